package audit

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DevLog is the system log's socket.
const DevLog = "/dev/log"

// Action names a kind of change to the kernel.
type Action string

// The changes cttop makes.
const (
	Delete   Action = "delete"   // flows deleted one by one
	Flush    Action = "flush"    // flows deleted by a selector in the kernel
	Block    Action = "block"    // sources dropped (nftables)
	Untrack  Action = "untrack"  // addresses or services NOTRACKed
	SYNProxy Action = "synproxy" // services put behind SYNPROXY
	Unblock  Action = "unblock"  // a rule of cttop's removed
)

// Syslog facility and severities (RFC 3164 / syslog.h).
const (
	facilityAuthpriv = 10
	severityWarning  = 4
	severityNotice   = 5
)

// maxTargets is how many targets a record names; the rest are counted.
// It keeps a record under the 2 KiB a syslog daemon surely takes whole.
const maxTargets = 16

// timeout bounds one write to the socket.
const timeout = time.Second

// Log writes audit records to the system log. The zero Log is not usable:
// set at least NetNS. A Log is safe for concurrent use (it holds no
// connection between records).
type Log struct {
	// Path is the syslog socket; "" is DevLog.
	Path string
	// NetNS names the namespace cttop acts on as the user gave it
	// ("" for cttop's own, recorded as "host"), NetNSInode its inode
	// (0: unknown), the number the kernel log names it by.
	NetNS      string
	NetNSInode uint64
	// User is the login user and UserFrom how it was found ("loginuid",
	// "utmp", "SUDO_USER", "uid"; see guard.Operator).
	User, UserFrom string
	// Now and PID default to the clock and the process.
	Now func() time.Time
	PID int
}

// Record is one change.
type Record struct {
	Action Action
	// Count is how many flows or targets were asked for (-1: unknown, as
	// for a flush); Done how many the kernel confirmed (deleted flows; -1:
	// it did not say).
	Count, Done int
	// Gone counts flows that had ended before cttop asked (delete).
	Gone int
	// Targets say what, in the dialog's words ("from 203.0.113.9", "tcp
	// port 443"); Selector is the filter of a flush or delete.
	Targets  []string
	Selector string
	// Timeout is a rule's lifetime (0: until removed); only for rules.
	Timeout time.Duration
	// Took is how long the change took.
	Took time.Duration
	// Err is what went wrong, nil if the change was made whole.
	Err error
	// Interrupted is set when the user or a signal stopped it midway.
	Interrupted bool
}

// Format returns the syslog message of r without the "<PRI>" and
// timestamp framing: "cttop[PID]: action=... result=...".
func (l *Log) Format(r Record) string {
	var b strings.Builder
	b.WriteString("cttop[" + strconv.Itoa(l.pid()) + "]:")
	kv := func(k, v string) { b.WriteString(" " + k + "=" + quote(v)) }
	kv("action", string(r.Action))
	if r.Count >= 0 {
		kv("count", strconv.Itoa(r.Count))
	}
	switch r.Action {
	case Delete:
		kv("deleted", strconv.Itoa(r.Done))
		kv("gone", strconv.Itoa(r.Gone))
	case Flush:
		if r.Done >= 0 {
			kv("deleted", strconv.Itoa(r.Done))
		}
	}
	if len(r.Targets) > 0 {
		t := r.Targets
		more := ""
		if len(t) > maxTargets {
			t, more = t[:maxTargets], fmt.Sprintf(" and %d more", len(r.Targets)-maxTargets)
		}
		kv("targets", strings.Join(t, ", ")+more)
	}
	if r.Selector != "" {
		kv("selector", r.Selector)
	}
	switch r.Action {
	case Block, Untrack, SYNProxy:
		if r.Timeout > 0 {
			kv("timeout", r.Timeout.String())
		} else {
			kv("timeout", "none")
		}
	}
	ns := l.NetNS
	if ns == "" {
		ns = "host"
	}
	kv("netns", ns)
	if l.NetNSInode != 0 {
		kv("netns_inode", strconv.FormatUint(l.NetNSInode, 10))
	}
	user := l.User
	if user == "" {
		user = "unknown"
	}
	kv("user", user)
	if l.UserFrom != "" {
		kv("user_from", l.UserFrom)
	}
	kv("took", r.Took.Round(time.Millisecond).String())
	switch {
	case r.Interrupted:
		kv("result", "interrupted")
	case r.Err != nil:
		kv("result", "error")
	default:
		kv("result", "ok")
	}
	if r.Err != nil {
		kv("error", r.Err.Error())
	}
	return b.String()
}

// Record writes r to the system log. It returns an error if the log
// cannot be reached (no syslog daemon, as in many containers): the caller
// shows it, since the change then has no record.
func (l *Log) Record(r Record) error {
	sev := severityNotice
	if r.Err != nil || r.Interrupted {
		sev = severityWarning
	}
	msg := fmt.Sprintf("<%d>%s %s", facilityAuthpriv*8+sev, l.now().Format(time.Stamp), l.Format(r))
	path := l.path()
	c, err := net.DialTimeout("unixgram", path, timeout)
	if errors.Is(err, syscall.EPROTOTYPE) {
		c, err = net.DialTimeout("unix", path, timeout) // a stream socket (old syslog-ng setups)
		msg += "\n"
	}
	if err != nil {
		return fmt.Errorf("system log %s: %w", path, err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte(msg)); err != nil {
		return fmt.Errorf("system log %s: %w", path, err)
	}
	return nil
}

// Check reports whether the system log can be reached, so that cttop can
// say at start that its changes will have no record.
func (l *Log) Check() error {
	path := l.path()
	c, err := net.DialTimeout("unixgram", path, timeout)
	if errors.Is(err, syscall.EPROTOTYPE) {
		c, err = net.DialTimeout("unix", path, timeout)
	}
	if err != nil {
		return fmt.Errorf("system log %s: %w", path, err)
	}
	return c.Close()
}

func (l *Log) path() string {
	if l.Path == "" {
		return DevLog
	}
	return l.Path
}

func (l *Log) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Log) pid() int {
	if l.PID != 0 {
		return l.PID
	}
	return os.Getpid()
}

// quote returns v as it is when it is plain printable ASCII without space,
// quote, backslash or '=', else Go-quoted in ASCII, so a value can neither
// end a record nor forge another field.
func quote(v string) string {
	if v == "" {
		return `""`
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\' {
			return strconv.QuoteToASCII(v)
		}
	}
	return v
}
