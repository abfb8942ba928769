package driver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sansrtc/rtc/rtc"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
)

// ErrFailed is the reason of a connection the driver closed because its
// PeerConnection reached "failed" (ICE found no working pair, or consent
// was lost for good); the last layer error, if any, is wrapped with it.
var ErrFailed = errors.New("driver: peer connection failed")

// observe looks at an event before the handler does: it logs it at its
// level and notes a terminal state, which drive acts on once the pass is
// over.
func (c *Conn) observe(e rtc.Event) {
	switch e.Kind {
	case rtc.EventConnectionStateChange:
		switch e.ConnectionState {
		case rtc.PeerConnectionConnected:
			c.log.Info("connected", "setup", time.Since(c.start).Round(time.Millisecond))
			return
		case rtc.PeerConnectionFailed:
			if !c.d.cfg.KeepFailed {
				reason := ErrFailed
				if c.lastErr != nil {
					reason = fmt.Errorf("%w: %w", ErrFailed, c.lastErr)
				}
				c.end(reason)
			}
		case rtc.PeerConnectionClosed:
			c.end(c.lastErr) // nil: closed by our own side
		}
	case rtc.EventDTLSStateChange:
		// The peer's close_notify or a fatal alert: nothing more can be
		// sent or received (rtc's doc, Teardown).
		switch e.DTLSState {
		case rtc.DTLSTransportClosed:
			c.end(c.reasonOr(&dtls.AlertError{Alert: dtls.AlertCloseNotify, Remote: true}))
		case rtc.DTLSTransportFailed:
			c.end(c.reasonOr(fmt.Errorf("%w: DTLS failed", ErrFailed)))
		}
	case rtc.EventSCTPStateChange:
		// The peer's ABORT or SHUTDOWN: a connection that carries only
		// data channels is over (media, once it flows, would keep it).
		if e.SCTPState == rtc.SCTPTransportClosed && len(c.pc.Transceivers()) == 0 {
			c.end(c.reasonOr(fmt.Errorf("the peer closed the SCTP association: %w", sctp.ErrClosed)))
		}
	case rtc.EventError:
		c.lastErr = e.Err
		if endsTransport(e.Err) {
			c.end(e.Err)
			return // the close line says it
		}
		c.log.Warn("error", "err", e.Err)
		return
	}
	c.logEvent(e)
}

// logEvent logs e at Debug; the check comes first because boxing an Event
// for slog allocates even when Debug is off (once per message otherwise).
func (c *Conn) logEvent(e rtc.Event) {
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug("event", "event", e)
	}
}

// reasonOr is the last layer error, which says more, or else def.
func (c *Conn) reasonOr(def error) error {
	if c.lastErr != nil {
		return c.lastErr
	}
	return def
}

// end records the first terminal reason of this drive.
func (c *Conn) end(reason error) {
	if c.ending == nil {
		c.ending = &ending{reason: reason}
	}
}

// endsTransport reports whether an EventError means the data transport is
// gone for good: an SCTP association aborted (by either side), shut down
// or failed (RFC 9260 §9, §8.1), a DTLS connection ended by an alert or
// close_notify (RFC 6347 §4.1.2.7, RFC 5246 §7.2.1), or a certificate that
// does not match the fingerprint (RFC 8122 §5).
func endsTransport(err error) bool {
	var abort *sctp.AbortError
	var alert *dtls.AlertError
	return errors.As(err, &abort) || errors.As(err, &alert) ||
		errors.Is(err, sctp.ErrClosed) || errors.Is(err, sctp.ErrAborted) ||
		errors.Is(err, sctp.ErrRetransmissionLimit) || errors.Is(err, sctp.ErrInitFailed) ||
		errors.Is(err, rtc.ErrFingerprintMismatch)
}

// IsNormalClose reports whether a connection's end reason (Conn.Err) is a
// normal close rather than a failure: nil (closed here), ErrClosed, the
// peer's DTLS close_notify, an SCTP ABORT with the User-Initiated Abort
// cause (what a browser's pc.close() sends) or a completed SCTP SHUTDOWN.
func IsNormalClose(err error) bool {
	if err == nil || errors.Is(err, ErrClosed) || errors.Is(err, rtc.ErrClosed) {
		return true
	}
	var abort *sctp.AbortError
	if errors.As(err, &abort) {
		return abort.Cause == sctp.CauseUserInitiatedAbort
	}
	var alert *dtls.AlertError
	if errors.As(err, &alert) {
		return alert.Alert == dtls.AlertCloseNotify
	}
	return errors.Is(err, sctp.ErrClosed) && !errors.Is(err, sctp.ErrRetransmissionLimit)
}

// closeText is a close reason for people: a peer's normal close reads as
// one, not as an error.
func closeText(err error) string {
	if err == nil || errors.Is(err, ErrClosed) {
		return "closed locally"
	}
	var abort *sctp.AbortError
	if errors.As(err, &abort) && abort.Remote && abort.Cause == sctp.CauseUserInitiatedAbort {
		if abort.Info != "" {
			return "closed by the peer (" + abort.Info + ")"
		}
		return "closed by the peer"
	}
	var alert *dtls.AlertError
	if errors.As(err, &alert) && alert.Remote && alert.Alert == dtls.AlertCloseNotify {
		return "closed by the peer (DTLS close_notify)"
	}
	return err.Error()
}

// teardown ends c in this loop pass: it closes the PeerConnection (its
// last events go to the handler, its ABORT and close_notify to the wire),
// closes the sockets, wakes the waiters and closes Done. It returns the
// PeerConnection's Close error.
func (s *shard) teardown(c *Conn, reason error) error {
	if c.closed {
		return nil
	}
	err := c.pc.Close()
	if errors.Is(err, rtc.ErrClosed) {
		err = nil
	}
	for {
		e, ok := c.pc.PollEvent()
		if !ok {
			break
		}
		if e.Kind != rtc.EventConnectionStateChange || e.ConnectionState != rtc.PeerConnectionClosed {
			c.logEvent(e)
		}
		if c.h.OnEvent != nil {
			c.h.OnEvent(c, e)
		}
	}
	s.flushConn(c)
	c.sendMu.Lock()
	c.sendClosed = true
	lost := len(c.sendQ)
	c.sendQ, c.sendData = nil, nil
	c.sendMu.Unlock()
	if lost > 0 {
		c.report(fmt.Errorf("driver: %d queued messages not sent: %w", lost, ErrClosed))
	}
	s.closeConn(c)
	c.err = reason
	close(c.done)
	c.runWaiters()
	st := c.pc.Stats()
	level := slog.LevelInfo
	if !IsNormalClose(reason) {
		level = slog.LevelWarn
	}
	c.log.Log(context.Background(), level, "closed", "reason", closeText(reason),
		"after", time.Since(c.start).Round(time.Millisecond),
		"datagrams_in", st.DatagramsIn, "datagrams_out", st.DatagramsOut,
		"bytes_in", st.BytesIn, "bytes_out", st.BytesOut, "dropped", st.Dropped)
	return err
}
