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

// Elapsed writes a measured time, rounded to what a person reads: 350ms,
// 4s, 1m30s; "-" for none. It is for how long cttop's own work took (a
// dump), not for the kernel's timeouts (Duration).
func Elapsed(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
// Setting writes a timeout setting in seconds in the largest unit that
// divides it, compactly for a table column: 5d, 2h, 90m, 30s; "?" if
// negative (unknown).
func Setting(sec int64) string {
	switch {
	case sec < 0:
		return "?"
	case sec > 0 && sec%86400 == 0:
		return strconv.FormatInt(sec/86400, 10) + "d"
	case sec > 0 && sec%3600 == 0:
		return strconv.FormatInt(sec/3600, 10) + "h"
	case sec > 0 && sec%60 == 0:
		return strconv.FormatInt(sec/60, 10) + "m"
	}
	return strconv.FormatInt(sec, 10) + "s"
}

// SettingWords writes a timeout setting in seconds in words, in the
// largest unit that divides it: 5 days, 2 minutes, 90 seconds; "?" if
// negative (unknown).
func SettingWords(sec int64) string {
	plural := func(n int64, unit string) string { return Plural(int(n), unit) }
	switch {
	case sec < 0:
		return "?"
	case sec > 0 && sec%86400 == 0:
		return plural(sec/86400, "day")
	case sec > 0 && sec%3600 == 0:
		return plural(sec/3600, "hour")
	case sec > 0 && sec%60 == 0:
		return plural(sec/60, "minute")
	}
	return plural(sec, "second")
}
