package format

import (
	"strconv"
	"strings"
)

// Commas writes n with thousands separators: 262,144.
func Commas(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Int writes a signed n with thousands separators: -1,234,567.
func Int(n int64) string {
	if n < 0 {
		return "-" + Commas(uint64(-n))
	}
	return Commas(uint64(n))
}

// Plural writes a count of unit: "1 flow", "0 flows", "2,048 flows".
func Plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return Int(int64(n)) + " " + unit + "s"
}

// Rate writes a per-second rate compactly: 0, 7, 1.2k, 35k, 1.5M.
func Rate(r float64) string {
	switch {
	case r < 0.05:
		return "0"
	case r < 10:
		return strconv.FormatFloat(r, 'f', 1, 64)
	case r < 1000:
		return strconv.FormatFloat(r, 'f', 0, 64)
	case r < 10000:
		return strconv.FormatFloat(r/1000, 'f', 1, 64) + "k"
	case r < 1e6:
		return strconv.FormatFloat(r/1000, 'f', 0, 64) + "k"
	}
	return strconv.FormatFloat(r/1e6, 'f', 1, 64) + "M"
}

// Count writes a byte or packet count of a flow or group in at most four
// cells, in decimal units: 999, 1.2K, 35M, 4.1G.
func Count(n uint64) string {
	const units = "KMGTPE"
	if n < 1000 {
		return strconv.FormatUint(n, 10)
	}
	f := float64(n)
	i := -1
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if f < 10 {
		return strconv.FormatFloat(f, 'f', 1, 64) + string(units[i])
	}
	return strconv.FormatFloat(f, 'f', 0, 64) + string(units[i])
}

// Bytes writes an amount of memory in binary units, as the kernel and
// free(1) count it: 512 B, 98 MiB, 23.5 GiB.
func Bytes(b int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v := float64(b)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 || v >= 100 || v == float64(int64(v)) {
		return strconv.FormatFloat(v, 'f', 0, 64) + " " + units[i]
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// Percent writes a ratio as a percentage with one decimal: 61.0%.
func Percent(r float64) string { return strconv.FormatFloat(100*r, 'f', 1, 64) + "%" }
