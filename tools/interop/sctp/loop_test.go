package sctp

import (
	"net"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// machine is what loop needs of our association (rtc-sctp) and our data
// channel manager (rtc-datachannel): the sans-I/O verbs, with E the event
// and R the message type.
type machine[E, R any] interface {
	HandleRead(shared.TaggedBytes) error
	HandleTimeout(time.Time) error
	PollWrite() (shared.TaggedBytes, bool)
	PollEvent() (E, bool)
	PollRead() (R, bool)
	PollTimeout() (time.Time, bool)
}

// loop runs one of our machines on a goroutine with the real clock,
// reading packets from a MemConn. Tests reach the machine only through do.
type loop[M machine[E, R], E, R any] struct {
	cmds   chan func(M)
	reads  chan R
	events chan E
	done   chan struct{}
}

// startLoop drives m: it reads from conn and writes to out (conn, or a
// wrapper of it that may drop packets). Events that keep rejects (nil
// keeps all) are dropped; the others wait in a queue until a test takes
// them, so a test that never reads events cannot stall the machine (and
// deadlock do). Reads are taken from m only while the reads channel has
// room.
func startLoop[M machine[E, R], E, R any](t *testing.T, m M, conn *peers.MemConn, out net.Conn, keep func(E) bool) *loop[M, E, R] {
	d := &loop[M, E, R]{cmds: make(chan func(M), 16), reads: make(chan R, 1024), events: make(chan E, 256), done: make(chan struct{})}
	in := make(chan []byte, 1024)
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			in <- append([]byte(nil), buf[:n]...)
		}
	}()
	go func() {
		timer := time.NewTimer(time.Hour)
		var pending []E
		for {
			for p, ok := m.PollWrite(); ok; p, ok = m.PollWrite() {
				out.Write(p.Message)
			}
			for e, ok := m.PollEvent(); ok; e, ok = m.PollEvent() {
				if keep == nil || keep(e) {
					pending = append(pending, e)
				}
			}
			var events chan E
			var next E
			if len(pending) > 0 {
				events, next = d.events, pending[0]
			}
			for len(d.reads) < cap(d.reads) {
				r, ok := m.PollRead()
				if !ok {
					break
				}
				d.reads <- r
			}
			if dl, ok := m.PollTimeout(); ok {
				timer.Reset(max(time.Until(dl), 0))
			} else {
				timer.Reset(time.Hour)
			}
			select {
			case events <- next:
				pending = pending[1:]
			case p := <-in:
				m.HandleRead(shared.TaggedBytes{Now: time.Now(), Message: p})
			case f := <-d.cmds:
				f(m)
			case <-timer.C:
				m.HandleTimeout(time.Now())
			case <-d.done:
				return
			}
		}
	}()
	t.Cleanup(func() { close(d.done); conn.Close() })
	return d
}

// do runs f on the machine's goroutine and returns its error.
func (d *loop[M, E, R]) do(f func(M) error) error {
	errc := make(chan error, 1)
	d.cmds <- func(m M) { errc <- f(m) }
	return <-errc
}

// read returns the next message the machine delivered.
func (d *loop[M, E, R]) read(t *testing.T) R {
	t.Helper()
	select {
	case m := <-d.reads:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("timeout waiting for a message")
	}
	var zero R
	return zero
}
