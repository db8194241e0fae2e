package kmsg

import "sync"

// DefaultKeep is how many lines a Log keeps by default.
const DefaultKeep = 1000

// Count is how many lines of one kind were read.
type Count struct {
	Lines uint64
	// Suppressed sums the suppression counts that came with the lines:
	// messages of the kind (most likely) the kernel did not print.
	Suppressed uint64
	// Last is the latest line of the kind.
	Last Line
}

// Log keeps the latest lines that matter, in bounded memory, and counts
// every line by kind. It is safe for concurrent use: the reader adds
// while the screen reads.
type Log struct {
	mu     sync.Mutex
	keep   int
	lines  []Line // a ring of the latest keep lines
	next   int    // where the next line goes once the ring is full
	counts [numKinds]Count
	latest Line
	total  uint64
	err    error
}

// NewLog keeps the latest keep lines (DefaultKeep if keep <= 0).
func NewLog(keep int) *Log {
	if keep <= 0 {
		keep = DefaultKeep
	}
	return &Log{keep: keep}
}

// Add records l.
func (g *Log) Add(l Line) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.lines) < g.keep {
		g.lines = append(g.lines, l)
	} else {
		g.lines[g.next] = l
		g.next = (g.next + 1) % g.keep
	}
	c := &g.counts[l.Kind]
	c.Lines++
	c.Suppressed += l.Suppressed
	c.Last = l
	g.latest = l
	g.total++
}

// SetErr records why the log cannot be read (such as ErrPermission), for
// the screen to say once.
func (g *Log) SetErr(err error) {
	g.mu.Lock()
	g.err = err
	g.mu.Unlock()
}

// Err is the error SetErr recorded.
func (g *Log) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// Summary is a Log's counts and latest line at one moment.
type Summary struct {
	Counts [numKinds]Count
	// Latest is the latest line of any kind; Total counts every line.
	Latest Line
	Total  uint64
	Err    error
}

// Count returns the count of kind k.
func (s *Summary) Count(k Kind) Count {
	if k >= numKinds {
		return Count{}
	}
	return s.Counts[k]
}

// Summary returns the counts and the latest line.
func (g *Log) Summary() Summary {
	g.mu.Lock()
	defer g.mu.Unlock()
	return Summary{Counts: g.counts, Latest: g.latest, Total: g.total, Err: g.err}
}

// Lines returns the kept lines, oldest first.
func (g *Log) Lines() []Line {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Line, 0, len(g.lines))
	out = append(out, g.lines[g.next:]...)
	return append(out, g.lines[:g.next]...)
}
