package main

import (
	"net/http"
	"regexp"
	"testing"
	"time"
)

// TestMetricsPortShown: --metrics with port 0 says which port the kernel
// chose, and the metrics are there.
func TestMetricsPortShown(t *testing.T) {
	tm := newTmux(t, 80, 24, binary(t)+" --demo --metrics '[::1]:0'; sleep 60")
	url := regexp.MustCompile(`http://\[::1\]:[1-9][0-9]*/metrics`)
	s := tm.waitFor("metrics URL", 10*time.Second, func(s string) bool { return url.MatchString(s) })
	resp, err := http.Get(url.FindString(s))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s: %s", url.FindString(s), resp.Status)
	}
	tm.keys("q")
}
