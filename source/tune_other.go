//go:build !linux

package source

import "github.com/cttop/cttop/model"

// ReadTuning fails: there is no conntrack here.
func ReadTuning(int) (model.TuningSettings, error) { return model.TuningSettings{}, ErrNoConntrack }
