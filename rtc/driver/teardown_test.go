package driver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
)

// connectPair connects a (offerer, with one channel "x") and b on loopback
// and returns a's channel once it is open.
func connectPair(t *testing.T, ctx context.Context, a, b *Conn) *rtc.DataChannel {
	t.Helper()
	dc, err := a.CreateDataChannel("x", rtc.DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	off, err := a.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := b.AnswerAfterGathering(ctx, off)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetAnswer(ans); err != nil {
		t.Fatal(err)
	}
	if err := a.WaitOpen(ctx, dc); err != nil {
		t.Fatal(err)
	}
	return dc
}

// TestRemoteCloseReleasesSocket (issue 11, slow teardown): when the peer
// closes its PeerConnection, this side's connection ends and its socket
// is released within 1 s of the close (it used to take the 30 s connect
// timeout of the echo peer). Each end runs on its own driver, as two
// processes would; b's port must be bindable again.
func TestRemoteCloseReleasesSocket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	da, db := New(Config{Addresses: loopback}), New(Config{Addresses: loopback})
	defer da.Close()
	defer db.Close()
	closedEvent := make(chan struct{}, 1)
	b, err := db.NewPeerConnection(rtc.Configuration{}, Handler{OnEvent: func(c *Conn, e rtc.Event) {
		// W3C: close() fires no connectionstatechange; the transports'
		// state events say it.
		if e.Kind == rtc.EventSCTPStateChange && e.SCTPState == rtc.SCTPTransportClosed {
			closedEvent <- struct{}{}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := da.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	connectPair(t, ctx, a, b)
	port := b.LocalAddresses()[0]
	start := time.Now()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Done():
	case <-time.After(time.Second):
		t.Fatalf("the remote close was not acted on within 1 s")
	}
	released := time.Since(start)
	// The socket is closed before Done: its port can be bound again.
	u, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(port))
	if err != nil {
		t.Fatalf("port %v still held after the remote close: %v", port, err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("remote close to socket release: %v (reason: %v)", released, b.Err())
	if !IsNormalClose(b.Err()) {
		t.Errorf("a peer's close is not a normal close: %v", b.Err())
	}
	select {
	case <-closedEvent:
	default:
		t.Errorf("the handler did not see the SCTP transport close")
	}
	if err := b.Send(nil, nil, true); err == nil {
		t.Errorf("Send on an ended connection succeeded")
	}
	if err := b.Do(func(pc *rtc.PeerConnection) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after the end: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close after the end: %v", err)
	}
}

// TestLocalCloseEndsWaiters: Close wakes WaitOpen and ends Done with a nil
// reason; Close twice is harmless.
func TestLocalCloseEndsWaiters(t *testing.T) {
	d := New(Config{Addresses: loopback})
	defer d.Close()
	c, err := d.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := c.CreateDataChannel("never", rtc.DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- c.WaitOpen(context.Background(), dc) }()
	time.Sleep(20 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	select {
	case err := <-waited:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("WaitOpen on a closed connection: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitOpen still waiting after Close")
	}
	<-c.Done()
	if c.Err() != nil {
		t.Errorf("Err after a local close: %v", c.Err())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := c.WaitOpen(ctx, dc); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitOpen after Close: %v", err)
	}
}

// TestCloseText: a peer's normal close reads as one; failures keep their
// error text.
func TestCloseText(t *testing.T) {
	for _, tc := range []struct {
		err    error
		text   string
		normal bool
	}{
		{nil, "closed locally", true},
		{ErrClosed, "closed locally", true},
		{&rtc.LayerError{Layer: "sctp", Err: &sctp.AbortError{Remote: true, Cause: sctp.CauseUserInitiatedAbort, Info: "peer connection closed"}},
			"closed by the peer (peer connection closed)", true},
		{&rtc.LayerError{Layer: "dtls", Err: &dtls.AlertError{Remote: true, Alert: dtls.AlertCloseNotify}}, "closed by the peer (DTLS close_notify)", true},
		{&rtc.LayerError{Layer: "sctp", Err: &sctp.AbortError{Remote: true, Cause: sctp.CauseProtocolViolation}},
			"rtc: sctp: association aborted by peer: Protocol Violation", false},
		{fmt.Errorf("%w: %w", ErrFailed, sctp.ErrRetransmissionLimit), "driver: peer connection failed: sctp: retransmission limit reached", false},
	} {
		if got := closeText(tc.err); got != tc.text {
			t.Errorf("closeText(%v) = %q, want %q", tc.err, got, tc.text)
		}
		if got := IsNormalClose(tc.err); got != tc.normal {
			t.Errorf("IsNormalClose(%v) = %v", tc.err, got)
		}
	}
}
