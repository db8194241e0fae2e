package guard

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
)

// UtmpPath is where glibc keeps the login records of who is logged in now.
const UtmpPath = "/var/run/utmp"

// The layout of glibc's struct utmp on 64-bit Linux (x86_64, aarch64;
// bits/utmp.h with __WORDSIZE_TIME64_COMPAT32, so session and time are
// 32-bit): 384 bytes, little or big endian as the host. Parsed by hand
// because no maintained Go library reads it without cgo, and the layout
// has been fixed since glibc 2.1.
const (
	utmpSize      = 384
	utmpUserProc  = 7 // ut_type USER_PROCESS
	utmpOffPID    = 4
	utmpOffLine   = 8   // char ut_line[32]
	utmpOffUser   = 44  // char ut_user[32]
	utmpOffHost   = 76  // char ut_host[256]
	utmpOffAddrV6 = 348 // int32_t ut_addr_v6[4], network byte order
)

// loginRecord is one USER_PROCESS record of utmp.
type loginRecord struct {
	pid  int
	line string // the terminal, without /dev/: "pts/3"
	user string
	host string     // as the login program wrote it: a name or an address
	addr netip.Addr // ut_addr_v6, or ut_host when it is an address; invalid if neither
}

// readUtmp reads the USER_PROCESS records of a utmp file. At most 1 MiB is
// read (about 2,700 records): a utmp that large is not one to trust.
func readUtmp(path string) ([]loginRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []loginRecord
	for ; len(b) >= utmpSize; b = b[utmpSize:] {
		if r, ok := parseUtmp(b[:utmpSize]); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// parseUtmp decodes one record; ok is false unless it is a live login.
func parseUtmp(b []byte) (loginRecord, bool) {
	if binary.NativeEndian.Uint16(b) != utmpUserProc {
		return loginRecord{}, false
	}
	r := loginRecord{
		pid:  int(int32(binary.NativeEndian.Uint32(b[utmpOffPID:]))),
		line: cString(b[utmpOffLine : utmpOffLine+32]),
		user: cString(b[utmpOffUser : utmpOffUser+32]),
		host: cString(b[utmpOffHost : utmpOffHost+256]),
	}
	a := b[utmpOffAddrV6 : utmpOffAddrV6+16]
	switch {
	case !isZero(a[4:]):
		r.addr = netip.AddrFrom16([16]byte(a)).Unmap()
	case !isZero(a[:4]):
		r.addr = netip.AddrFrom4([4]byte(a[:4]))
	default:
		r.addr = parseAddr(r.host)
	}
	return r, true
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
