//go:build !linux

package firewall

import (
	"fmt"

	"github.com/cttop/cttop/action"
)

// Firewall installs plans into table inet cttop of one network namespace.
// nftables exists on Linux only: elsewhere every method fails with
// ErrUnsupported.
type Firewall struct{}

// Open fails with ErrUnsupported: nftables needs Linux.
func Open(netnsFd int) (*Firewall, error) {
	return nil, fmt.Errorf("open firewall: %w (needs Linux)", ErrUnsupported)
}

// Close does nothing.
func (fw *Firewall) Close() error { return nil }

// Apply fails with ErrUnsupported.
func (fw *Firewall) Apply(p Plan) error {
	return fmt.Errorf("apply rules: %w (needs Linux)", ErrUnsupported)
}

// List fails with ErrUnsupported.
func (fw *Firewall) List() ([]action.Entry, error) {
	return nil, fmt.Errorf("list rules: %w (needs Linux)", ErrUnsupported)
}

// Remove fails with ErrUnsupported.
func (fw *Firewall) Remove(t action.Target) error {
	return fmt.Errorf("remove rule: %w (needs Linux)", ErrUnsupported)
}

// ReadSynProxyFacts fails with ErrUnsupported: it reads Linux settings.
func ReadSynProxyFacts(netnsFd int) (SynProxyFacts, error) {
	return SynProxyFacts{}, fmt.Errorf("read SYNPROXY settings: %w (needs Linux)", ErrUnsupported)
}
