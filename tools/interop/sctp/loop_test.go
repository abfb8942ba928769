package sctp

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	ours "github.com/sansrtc/rtc/rtc-sctp"

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
	exited chan struct{}

	mu   sync.Mutex
	errs []error // unexpected errors of the machine's goroutine
}

// netErrs are the errors HandleRead may rightly return for packets of a
// real peer on a lossy link: DATA beyond our window, packets after the
// association ended, out of the blue packets, a stale cookie.
var netErrs = []error{ours.ErrOutOfWindow, ours.ErrClosed, ours.ErrVerificationTag, ours.ErrCookie}

// record keeps an error the goroutine cannot report itself; the test
// fails with it at cleanup.
func (d *loop[M, E, R]) record(what string, err error, allowed ...error) {
	if err == nil {
		return
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			return
		}
	}
	d.mu.Lock()
	d.errs = append(d.errs, errors.New(what+": "+err.Error()))
	d.mu.Unlock()
}

// must fails the test on an error a call was not expected to return.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// startLoop drives m: it reads from conn and writes to out (conn, or a
// wrapper of it that may drop packets). Events that keep rejects (nil
// keeps all) are dropped; the others wait in a queue until a test takes
// them, so a test that never reads events cannot stall the machine (and
// deadlock do). Reads are taken from m only while the reads channel has
// room.
func startLoop[M machine[E, R], E, R any](t *testing.T, m M, conn *peers.MemConn, out net.Conn, keep func(E) bool) *loop[M, E, R] {
	d := &loop[M, E, R]{cmds: make(chan func(M), 16), reads: make(chan R, 1024), events: make(chan E, 256), done: make(chan struct{}), exited: make(chan struct{})}
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
		defer close(d.exited)
		timer := time.NewTimer(time.Hour)
		var pending []E
		for {
			for p, ok := m.PollWrite(); ok; p, ok = m.PollWrite() {
				_, err := out.Write(p.Message)
				d.record("write", err, net.ErrClosed)
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
				d.record("HandleRead", m.HandleRead(shared.TaggedBytes{Now: time.Now(), Message: p}), netErrs...)
			case f := <-d.cmds:
				f(m)
			case <-timer.C:
				d.record("HandleTimeout", m.HandleTimeout(time.Now()), ours.ErrClosed)
			case <-d.done:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(d.done)
		<-d.exited
		if err := conn.Close(); err != nil {
			t.Errorf("closing the connection: %v", err)
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, err := range d.errs {
			t.Errorf("machine goroutine: %v", err)
		}
	})
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
