package kmsg

import (
	"time"

	"github.com/cttop/cttop/model"
)

// handle classifies one record and passes the lines it completes to fn,
// leaving out buffered lines older than backlog and stamping the rest
// with the wall clock time.
func (r *Reader) handle(c *Classifier, rec Record, backlog time.Duration, fn func(model.LogLine)) {
	for _, l := range c.Add(rec) {
		if l.Since < r.start {
			if r.start-l.Since > backlog {
				continue
			}
			l.Buffered = true
		}
		l.Time = r.boot.Add(l.Since)
		fn(l)
	}
}
