// Package sctp tests rtc-sctp against Pion's sctp package (github.com/pion/sctp,
// pinned in tools/go.mod) over an in-memory packet transport, both ways.
package sctp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/pion/logging"
	pion "github.com/pion/sctp"
	ours "github.com/sansrtc/rtc/rtc-sctp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// driver runs one of our associations on a goroutine with the real clock.
type driver struct {
	*loop[*ours.Association, ours.Event, ours.Message]
}

func newDriver(t *testing.T, cfg ours.Config, conn *peers.MemConn) *driver {
	return newDriverConn(t, cfg, conn, conn)
}

// newDriverConn reads from conn and writes to out (a wrapper of conn that
// may drop packets).
func newDriverConn(t *testing.T, cfg ours.Config, conn *peers.MemConn, out net.Conn) *driver {
	a, err := ours.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// No test waits for EventBufferedAmountLow.
	keep := func(e ours.Event) bool { return e.Kind != ours.EventBufferedAmountLow }
	return &driver{startLoop[*ours.Association](t, a, conn, out, keep)}
}

func (d *driver) waitEvent(t *testing.T, k ours.EventKind) ours.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-d.events:
			if e.Kind == k {
				return e
			}
			if e.Kind == ours.EventClosed {
				t.Fatalf("association closed while waiting for %v: %v", k, e.Err)
			}
		case <-deadline:
			t.Fatalf("timeout waiting for %v", k)
		}
	}
}

func pionConfig(conn net.Conn, zero, interleave bool) []pion.AssociationOption {
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelWarn
	if os.Getenv("SANSRTC_PION_DEBUG") != "" {
		lf.DefaultLogLevel = logging.LogLevelDebug
	}
	return []pion.AssociationOption{pion.WithNetConn(conn), pion.WithLoggerFactory(lf),
		pion.WithEnableZeroChecksum(zero), pion.WithEnableInterleaving(interleave),
		pion.WithMaxMessageSize(262144), pion.WithMTU(1200)}
}

type variant struct {
	pionClient, bothConnect, zero, interleave bool
}

func (v variant) String() string {
	return fmt.Sprintf("pionClient=%v/ourConnect=%v/zero=%v/idata=%v", v.pionClient, v.bothConnect, v.zero, v.interleave)
}

func TestPionInterop(t *testing.T) {
	for _, v := range []variant{
		{pionClient: false, bothConnect: true},
		{pionClient: true, bothConnect: false},
		{pionClient: true, bothConnect: true},
		{pionClient: false, bothConnect: true, zero: true},
		{pionClient: true, bothConnect: false, zero: true, interleave: true},
		{pionClient: false, bothConnect: true, interleave: true},
	} {
		t.Run(v.String(), func(t *testing.T) { runInterop(t, v) })
	}
}

func runInterop(t *testing.T, v variant) {
	oc, pc := peers.MemPipe(4096)
	d := newDriver(t, ours.Config{PeerMaxMessageSize: 262144, MTU: 1200}, oc)
	if v.bothConnect {
		must(t, d.do(func(a *ours.Association) error { return a.Connect(time.Now()) }))
	}
	type res struct {
		a   *pion.Association
		err error
	}
	rc := make(chan res, 1)
	go func() {
		var a *pion.Association
		var err error
		if v.pionClient {
			opts := pionConfig(pc, v.zero, v.interleave)
			copts := make([]pion.ClientOption, len(opts))
			for i, o := range opts {
				copts[i] = o
			}
			a, err = pion.ClientWithOptions(copts...)
		} else {
			opts := pionConfig(pc, v.zero, v.interleave)
			sopts := make([]pion.ServerOption, len(opts))
			for i, o := range opts {
				sopts[i] = o
			}
			a, err = pion.ServerWithOptions(sopts...)
		}
		rc <- res{a, err}
	}()
	d.waitEvent(t, ours.EventConnected)
	var r res
	select {
	case r = <-rc:
	case <-time.After(10 * time.Second):
		t.Fatal("pion handshake timeout")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	pa := r.a
	defer pa.Close()
	var st ours.Stats
	must(t, d.do(func(a *ours.Association) error { st = a.Stats(); return nil }))
	t.Logf("negotiated: interleaving=%v zeroChecksum=%v partialReliability=%v", st.Interleaving, st.ZeroChecksum, st.PartialReliability)
	if st.Interleaving != v.interleave {
		t.Errorf("interleaving = %v, want %v", st.Interleaving, v.interleave)
	}
	if st.ZeroChecksum != v.zero {
		t.Errorf("zero checksum = %v, want %v", st.ZeroChecksum, v.zero)
	}

	// Ours -> Pion on stream 1: small, fragmented and large messages.
	msgs := [][]byte{[]byte("hello pion"), bytes.Repeat([]byte("a"), 5000), bytes.Repeat([]byte("b"), 200000)}
	for _, m := range msgs {
		if err := d.do(func(a *ours.Association) error {
			return a.HandleWrite(ours.Message{Stream: 1, PPID: 53, Data: m})
		}); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := pa.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for i, m := range msgs {
		n, ppi, err := ps.ReadSCTP(buf)
		if err != nil {
			t.Fatal(err)
		}
		if ppi != 53 || !bytes.Equal(buf[:n], m) {
			t.Fatalf("pion got message %d: ppi %d, %d bytes", i, ppi, n)
		}
	}
	// Pion -> ours on the same stream, and on a stream Pion opens.
	for _, m := range msgs {
		if _, err := ps.WriteSCTP(m, 51); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range msgs {
		got := d.read(t)
		if got.Stream != 1 || got.PPID != 51 || !bytes.Equal(got.Data, m) {
			t.Fatalf("ours got message %d: stream %d ppid %d %d bytes", i, got.Stream, got.PPID, len(got.Data))
		}
	}
	ps2, err := pa.OpenStream(2, 51)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps2.Write([]byte("on two")); err != nil {
		t.Fatal(err)
	}
	if got := d.read(t); got.Stream != 2 || string(got.Data) != "on two" {
		t.Fatalf("stream 2: %+v", got)
	}

	// Stream reset initiated by us: Pion sees EOF and resets its side.
	if err := d.do(func(a *ours.Association) error { return a.ResetStreams(1) }); err != nil {
		t.Fatal(err)
	}
	if e := d.waitEvent(t, ours.EventOutgoingStreamsReset); len(e.Streams) != 1 || e.Streams[0] != 1 {
		t.Fatalf("reset event %+v", e)
	}
	if _, _, err := ps.ReadSCTP(buf); !errors.Is(err, io.EOF) {
		t.Fatalf("pion read after reset: %v", err)
	}
	must(t, ps.Close())
	if e := d.waitEvent(t, ours.EventIncomingStreamsReset); len(e.Streams) != 1 || e.Streams[0] != 1 {
		t.Fatalf("incoming reset %+v", e)
	}
	// Stream reset initiated by Pion.
	must(t, ps2.Close())
	if e := d.waitEvent(t, ours.EventIncomingStreamsReset); len(e.Streams) != 1 || e.Streams[0] != 2 {
		t.Fatalf("incoming reset %+v", e)
	}
	if err := d.do(func(a *ours.Association) error { return a.ResetStreams(2) }); err != nil {
		t.Fatal(err)
	}
	d.waitEvent(t, ours.EventOutgoingStreamsReset)

	// Graceful shutdown initiated by us.
	if err := d.do(func(a *ours.Association) error { return a.Close() }); err != nil {
		t.Fatal(err)
	}
	if e := d.waitEvent(t, ours.EventClosed); e.Err != nil {
		t.Fatalf("closed with %v", e.Err)
	}
}
