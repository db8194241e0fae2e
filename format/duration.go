package format

import (
	"strconv"
	"time"
)

// Duration writes whole seconds in cttop's one duration format, used for
// every TTL, age and timeout setting in the table, the detail pane,
// cttop --once and the tuning report: the largest unit and the next one,
// the second one padded to two digits so a column of them lines up, never
// cut: 59s, 1m38s, 4m05s, 3h04m, 4d23h, 11d13h. Below a minute only seconds;
// what the second unit leaves out is rounded down (a TTL is at least what
// it says). A negative sec is unknown: "-".
func Duration(sec int64) string {
	switch {
	case sec < 0:
		return "-"
	case sec < 60:
		return strconv.FormatInt(sec, 10) + "s"
	case sec < 3600:
		return two(sec/60, "m", sec%60, "s")
	case sec < 86400:
		return two(sec/3600, "h", sec%3600/60, "m")
	}
	return two(sec/86400, "d", sec%86400/3600, "h")
}

func two(a int64, ua string, b int64, ub string) string {
	s := strconv.FormatInt(a, 10) + ua
	if b < 10 {
		s += "0"
	}
	return s + strconv.FormatInt(b, 10) + ub
}

// Elapsed writes a measured time, rounded to what a person reads: 350ms
// below a second, else as Duration writes it (4s, 1m30s, 1m00s: one
// format beside the TTLs); "-" for none. It is for how long cttop's own
// work took (a dump) or watched, not for the kernel's timeouts (Duration).
func Elapsed(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	if d < time.Second-time.Millisecond/2 {
		return d.Round(time.Millisecond).String()
	}
	return Duration(int64(d.Round(time.Second) / time.Second))
}
