package interceptor

import (
	"errors"
	"fmt"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// CommandKind says what a Command asks for.
type CommandKind uint8

// Command kinds. Each lists the Command fields it uses.
const (
	CommandNone CommandKind = iota
	// CommandRequestKeyframe: RequestKeyframe for the remote stream SSRC.
	CommandRequestKeyframe
	// CommandBindLocal: BindLocal(Stream).
	CommandBindLocal
	// CommandBindRemote: BindRemote(Stream).
	CommandBindRemote
	// CommandUnbind: Unbind(SSRC).
	CommandUnbind
)

// Command is a control input for HandleEvent: the methods of the same name,
// in the form of the sans-I/O contract's HandleEvent.
type Command struct {
	Kind   CommandKind
	SSRC   uint32
	Stream StreamConfig
}

// Compile-time check: a Chain is a shared.Protocol. PollRead never returns
// anything (received packets go on to the application unchanged once
// ReceiveRTP returns); HandleWrite sends a packet; HandleEvent takes
// Commands; PollEvent returns Events.
var _ shared.Protocol[struct{}, *rtp.Packet, Command, Event] = (*Chain)(nil)

// ErrOutputFull reports that HandleWrite found the output queue full: the
// packet was not taken (drain PollWrite and write it again).
var ErrOutputFull = errors.New("interceptor: output queue full")

// HandleWrite is the queued form of SendRTP, at the latest time seen: the
// packet runs through the send side of the chain and its wire form comes out
// of PollWrite, in order with RTCP and retransmissions. p may be reused once
// the call returns.
func (c *Chain) HandleWrite(p *rtp.Packet) error {
	if c.closed {
		return ErrClosed
	}
	if p == nil {
		return fmt.Errorf("interceptor: HandleWrite: nil packet")
	}
	if c.out.Full() {
		return ErrOutputFull
	}
	b, err := c.SendRTP(c.lastNow, p, c.getBuf())
	if len(b) == 0 {
		c.Release(b)
		return err
	}
	// The queue may have filled during the call (reports due at the same
	// time): the packet is then reported lost, never dropped silently.
	if perr := c.out.Push(b); perr != nil {
		c.stats.OutputDropped++
		c.Release(b)
		return errors.Join(err, ErrOutputFull)
	}
	return err
}

// PollRead never returns anything: the chain does not change received
// packets, which go on to the application once ReceiveRTP returns.
func (c *Chain) PollRead() (struct{}, bool) { return struct{}{}, false }

// HandleEvent runs a Command at the latest time seen.
func (c *Chain) HandleEvent(cmd Command) error {
	if c.closed {
		return ErrClosed
	}
	switch cmd.Kind {
	case CommandRequestKeyframe:
		return c.RequestKeyframe(c.lastNow, cmd.SSRC)
	case CommandBindLocal:
		return c.BindLocal(cmd.Stream)
	case CommandBindRemote:
		return c.BindRemote(cmd.Stream)
	case CommandUnbind:
		return c.Unbind(cmd.SSRC)
	}
	return fmt.Errorf("interceptor: HandleEvent: unknown command %d", cmd.Kind)
}
