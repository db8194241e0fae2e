package ctjson

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// MaxHistory bounds the seconds of history Read accepts (a day, as
// --history does): a file is input from elsewhere.
const MaxHistory = 24 * 60 * 60

// historyJSON is "history": the window in seconds, the series' names in
// the order of each sample's values, and the samples, one a second,
// oldest first, each [Unix seconds, value...] with null for unknown.
type historyJSON struct {
	Window  int                 `json:"window"`
	Series  []string            `json:"series"`
	Samples [][]json.RawMessage `json:"samples"`
}

// writeHistory writes `"history":{...},`.
func writeHistory(w *bufio.Writer, h *model.History) {
	fmt.Fprintf(w, `"history":{"window":%d,"series":[`, int(h.Window()/time.Second))
	for s := model.Series(0); s < model.NumSeries; s++ {
		if s > 0 {
			w.WriteByte(',')
		}
		w.WriteString(strconv.Quote(s.String()))
	}
	w.WriteString(`],"samples":[`)
	var b []byte
	for i, smp := range h.Samples() {
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, smp.Time.Unix(), 10)
		for _, v := range smp.V {
			b = append(b, ',')
			if math.IsNaN(v) || math.IsInf(v, 0) {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendFloat(b, v, 'g', -1, 64)
			}
		}
		b = append(b, ']')
		w.Write(b)
	}
	w.WriteString("]},")
}

// HistoryHandler is a Handler that also takes the "history" of a
// document written with one.
type HistoryHandler interface {
	History(h *model.History)
}

// readHistory reads "history" into a model.History for a HistoryHandler:
// series it does not know are ignored, missing ones are unknown; samples
// out of order are dropped by History.Add. A history that is valid JSON
// but not one cttop wrote is skipped (Handler.Skip), and the flows after
// it are read; only a syntax error is returned.
func (rd *Reader) readHistory(line int) error {
	var hj historyJSON
	if err := rd.dec.Decode(&hj); err != nil && !isRecordError(err) {
		return err
	} else if err != nil {
		rd.h.Skip(line, ctparse.Bad{What: "history: " + err.Error()})
		return nil
	}
	h, err := hj.history()
	if err != nil {
		rd.h.Skip(line, ctparse.Bad{What: err.Error()})
		return nil
	}
	if hh, ok := rd.h.(HistoryHandler); ok {
		hh.History(h)
	}
	return nil
}

// history checks hj and builds its model.History.
func (hj *historyJSON) history() (*model.History, error) {
	if hj.Window <= 0 || hj.Window > MaxHistory || len(hj.Samples) > MaxHistory {
		return nil, errors.New("history: window or samples beyond a day")
	}
	index := make([]int, len(hj.Series)) // value position -> series, -1 unknown
	for i, name := range hj.Series {
		index[i] = -1
		for s := model.Series(0); s < model.NumSeries; s++ {
			if s.String() == name {
				index[i] = int(s)
			}
		}
	}
	h := model.NewHistory(time.Duration(hj.Window) * time.Second)
	for _, raw := range hj.Samples {
		if len(raw) != len(hj.Series)+1 {
			return nil, errors.New("history: a sample with the wrong number of values")
		}
		var sec int64
		if err := json.Unmarshal(raw[0], &sec); err != nil {
			return nil, fmt.Errorf("history: time: %w", err)
		}
		smp := model.HistorySample{Time: time.Unix(sec, 0)}
		for i := range smp.V {
			smp.V[i] = math.NaN()
		}
		for i, v := range raw[1:] {
			var f *float64
			if err := json.Unmarshal(v, &f); err != nil {
				return nil, fmt.Errorf("history: value: %w", err)
			}
			if f != nil && index[i] >= 0 && !math.IsNaN(*f) && *f >= 0 {
				smp.V[index[i]] = *f
			}
		}
		h.Add(smp)
	}
	return h, nil
}
