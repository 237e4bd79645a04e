package oz

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/ledger"
)

// Stream timing.
const (
	// streamPoll is how often a run's hub rereads its ledger when no file
	// event woke it, and polls lane output for subscribers that want it.
	streamPoll = time.Second
	// streamHeartbeat is how often an idle stream sends a comment.
	streamHeartbeat = 15 * time.Second
	// streamBuffer is how many frames a subscriber may fall behind before
	// its stream is ended (the client resumes with Last-Event-ID).
	streamBuffer = 1024
	// outputLines is how many lines of a lane's output a frame carries.
	outputLines = 40
)

// The kinds of frame a run's stream sends (the SSE "event" field).
const (
	// FrameEvent is a ledger event; its id is the event's seq.
	FrameEvent = "event"
	// FrameStatus is the run's status document (lanes with the source of
	// their state), sent first and after every batch of events.
	FrameStatus = "status"
	// FrameOutput is the tail of a lane's output (LaneOutput), masked,
	// sent when it changes, for streams opened with output=1.
	FrameOutput = "output"
)

// StreamEvent is the data of an "event" frame.
type StreamEvent struct {
	RunID string `json:"runId"`
	contract.Event
}

// frame is one encoded SSE frame, shared by every subscriber.
type frame struct {
	seq    int64
	output bool
	data   []byte
}

// encodeFrame builds an SSE frame; id is written when seq > 0.
func encodeFrame(kind string, seq int64, data []byte) []byte {
	var b bytes.Buffer
	if seq > 0 {
		b.WriteString("id: ")
		b.WriteString(strconv.FormatInt(seq, 10))
		b.WriteByte('\n')
	}
	b.WriteString("event: ")
	b.WriteString(kind)
	b.WriteString("\ndata: ")
	b.Write(data) // JSON has no raw newlines
	b.WriteString("\n\n")
	return b.Bytes()
}

// subscriber is one open stream.
type subscriber struct {
	ch     chan frame
	output bool
	gone   chan struct{}
	once   sync.Once
}

func (sub *subscriber) end() { sub.once.Do(func() { close(sub.gone) }) }

// hubSet holds one hub per run that has subscribers.
type hubSet struct {
	s      *Server
	mu     sync.Mutex
	hubs   map[string]*hub
	closed bool
}

func newHubSet(s *Server) *hubSet { return &hubSet{s: s, hubs: map[string]*hub{}} }

// hub follows one run's ledger and fans its frames out to subscribers.
// One goroutine per run reads the ledger, whatever the number of
// subscribers.
type hub struct {
	set   *hubSet
	runID string
	dir   string

	mu      sync.Mutex
	subs    map[*subscriber]bool
	lastSeq int64
	// offset is how far into the events file the hub has read whole
	// lines.
	offset  int64
	status  []byte
	outputs map[string]string
	nOutput int
	cancel  context.CancelFunc
	done    chan struct{}
}

// join adds a subscriber to runID's hub (starting the hub), and returns
// the hub, the last seq the hub has sent (the subscriber reads older
// events from the ledger itself) and the current status frame.
func (hs *hubSet) join(runID, dir string, sub *subscriber) (*hub, int64, []byte, bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		return nil, 0, nil, false
	}
	h := hs.hubs[runID]
	if h == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h = &hub{set: hs, runID: runID, dir: dir, subs: map[*subscriber]bool{}, outputs: map[string]string{}, cancel: cancel, done: make(chan struct{})}
		h.refresh(false)
		hs.hubs[runID] = h
		go h.loop(ctx)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[sub] = true
	if sub.output {
		h.nOutput++
	}
	return h, h.lastSeq, h.status, true
}

// leave removes a subscriber; the last one out stops the hub.
func (hs *hubSet) leave(h *hub, sub *subscriber) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h.mu.Lock()
	if h.subs[sub] {
		delete(h.subs, sub)
		if sub.output {
			h.nOutput--
		}
	}
	empty := len(h.subs) == 0
	h.mu.Unlock()
	if empty && hs.hubs[h.runID] == h {
		delete(hs.hubs, h.runID)
		h.cancel()
	}
}

// closeAll ends every stream and hub (server shutdown) and waits for the
// hubs' goroutines.
func (hs *hubSet) closeAll() {
	hs.mu.Lock()
	hs.closed = true
	hubs := make([]*hub, 0, len(hs.hubs))
	for _, h := range hs.hubs {
		hubs = append(hubs, h)
	}
	clear(hs.hubs)
	hs.mu.Unlock()
	for _, h := range hubs {
		h.cancel()
		h.mu.Lock()
		for sub := range h.subs {
			sub.end()
		}
		h.mu.Unlock()
		<-h.done
	}
}

// loop wakes on file events in the run directory and on a slow tick.
func (h *hub) loop(ctx context.Context) {
	defer close(h.done)
	var fileEvents <-chan fsnotify.Event
	if w, err := fsnotify.NewWatcher(); err == nil {
		defer w.Close()
		if w.Add(h.dir) == nil {
			fileEvents = w.Events
		}
	}
	tick := time.NewTicker(streamPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-fileEvents:
			if !ok {
				fileEvents = nil
				continue
			}
			if filepath.Base(ev.Name) == ledger.EventsFile {
				h.mu.Lock()
				h.refresh(true)
				h.mu.Unlock()
			}
		case <-tick.C:
			h.mu.Lock()
			h.refresh(true)
			want := h.nOutput > 0
			h.mu.Unlock()
			if want {
				h.pollOutput(ctx)
			}
		}
	}
}

// refresh reads the events after lastSeq and, with send, broadcasts them
// and the new status. The caller holds h.mu.
func (h *hub) refresh(send bool) {
	evs := h.readNew()
	red := h.set.s.red.bytes
	sent := false
	for _, ev := range evs {
		if ev.Seq <= h.lastSeq {
			continue
		}
		h.lastSeq = ev.Seq
		if !send {
			continue
		}
		data, err := json.Marshal(StreamEvent{RunID: h.runID, Event: ev})
		if err != nil {
			continue
		}
		h.broadcast(frame{seq: ev.Seq, data: encodeFrame(FrameEvent, ev.Seq, red(data))})
		sent = true
	}
	if sent || h.status == nil {
		if st, _, err := ledger.ReadStatus(h.dir); err == nil {
			if data, err := json.Marshal(st); err == nil {
				h.status = encodeFrame(FrameStatus, 0, red(data))
				if send {
					h.broadcast(frame{data: h.status})
				}
			}
		}
	}
}

// readNew reads the whole lines appended to the events file since the
// last call. A file shorter than before (a torn line moved out when the
// ledger was reopened) is read again from the start; seqs already sent are
// skipped by the caller.
func (h *hub) readNew() []contract.Event {
	f, err := os.Open(filepath.Join(h.dir, ledger.EventsFile))
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() < h.offset {
		h.offset = 0
	}
	if _, err := f.Seek(h.offset, io.SeekStart); err != nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return nil
	}
	var out []contract.Event
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return out // a partial last line waits for its end
		}
		line := b[:i]
		b = b[i+1:]
		h.offset += int64(i + 1)
		var ev contract.Event
		if json.Unmarshal(line, &ev) == nil && ev.Seq > 0 {
			out = append(out, ev)
		}
	}
}

// broadcast offers f to every subscriber; one whose buffer is full is
// ended (it resumes from its Last-Event-ID). The caller holds h.mu.
func (h *hub) broadcast(f frame) {
	for sub := range h.subs {
		if f.output && !sub.output {
			continue
		}
		select {
		case sub.ch <- f:
		default:
			sub.end()
		}
	}
}

// pollOutput sends the tail of each started lane's output when it changed.
func (h *hub) pollOutput(ctx context.Context) {
	runner, err := h.set.s.engine.any()
	if err != nil {
		return
	}
	st, _, err := ledger.ReadStatus(h.dir)
	if err != nil {
		return
	}
	for lane, ls := range st.Lanes {
		if ls.Handle == nil {
			continue
		}
		text, live, err := runner.Transcript(ctx, h.runID, lane)
		if err != nil {
			continue
		}
		text = h.set.s.red.string(lastLines(text, outputLines))
		h.mu.Lock()
		if h.outputs[lane] != text {
			h.outputs[lane] = text
			if data, err := json.Marshal(LaneOutput{Lane: lane, Live: live, Text: text}); err == nil {
				h.broadcast(frame{output: true, data: encodeFrame(FrameOutput, 0, data)})
			}
		}
		h.mu.Unlock()
	}
}

// stream serves GET /api/v1/runs/{run}/stream: Server-Sent Events of the
// run's ledger events (id = seq), its status, and with output=1 its lanes'
// output. A client resumes with the Last-Event-ID header (or the after
// query parameter, for a first connection) and gets every event after it.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) error {
	st, dir, err := s.runOf(r)
	if err != nil {
		return err
	}
	after := int64(0)
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return &bodyError{[]ProblemItem{{Code: "invalid", Field: "Last-Event-ID", Message: "Last-Event-ID must be an event seq"}}}
		}
		after = n
	} else if v := r.URL.Query().Get("after"); v != "" {
		n, err := intParam(r, "after", 0, 0, 1<<62)
		if err != nil {
			return err
		}
		after = int64(n)
	}
	sub := &subscriber{ch: make(chan frame, streamBuffer), output: r.URL.Query().Get("output") == "1", gone: make(chan struct{})}
	h, hubSeq, status, ok := s.hubs.join(st.RunID, dir, sub)
	if !ok {
		return errClosed()
	}
	defer s.hubs.leave(h, sub)

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives WriteTimeout
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	// Catch up from the ledger up to what the hub has sent; the hub sends
	// the rest.
	last := after
	if after < hubSeq {
		evs, _, err := ledger.ReadEvents(dir)
		if err == nil {
			for _, ev := range evs {
				if ev.Seq <= after || ev.Seq > hubSeq {
					continue
				}
				data, err := json.Marshal(StreamEvent{RunID: st.RunID, Event: ev})
				if err != nil {
					continue
				}
				if _, err := w.Write(encodeFrame(FrameEvent, ev.Seq, s.red.bytes(data))); err != nil {
					return nil
				}
				last = ev.Seq
			}
		}
	}
	if status != nil {
		if _, err := w.Write(status); err != nil {
			return nil
		}
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-sub.gone:
			return nil
		case f := <-sub.ch:
			if f.seq > 0 && f.seq <= last {
				continue
			}
			if f.seq > 0 {
				last = f.seq
			}
			if _, err := w.Write(f.data); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		case <-beat.C:
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}
