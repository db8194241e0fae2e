//go:build !linux

package hostns

import "errors"

func readEntering(path, file string) ([]byte, error) {
	return nil, errors.New("network namespaces need Linux")
}
