package format

import (
	"fmt"
	"strconv"
	"time"
)

// TTL writes seconds as the shortest readable duration, for a flow's
// timeout or age: 59s, 4m59s, 3h04m, 4d23h.
func TTL(s uint32) string {
	switch {
	case s < 100:
		return strconv.Itoa(int(s)) + "s"
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// Elapsed writes a measured time, rounded to what a person reads: 350ms,
// 4s, 1m30s; "-" for none.
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
