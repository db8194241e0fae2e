//go:build !linux

package source

import "github.com/cttop/cttop/tuning"

// ReadTuning fails: there is no conntrack here.
func ReadTuning(int) (tuning.Settings, error) { return tuning.Settings{}, ErrNoConntrack }
