package format

import "testing"

func TestNumbers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Int(0), "0"}, {Int(999), "999"}, {Int(1000), "1,000"}, {Int(262144), "262,144"}, {Int(-1234567), "-1,234,567"},
		{Bytes(512), "512 B"}, {Bytes(2 << 20), "2 MiB"}, {Bytes(98 << 20), "98 MiB"}, {Bytes(24683656 << 10), "23.5 GiB"},
		{Bytes(196 << 20), "196 MiB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
