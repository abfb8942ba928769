package rtc

import (
	"fmt"
)

// CreateDataChannel creates a data channel (W3C createDataChannel). The
// first one fires negotiationneeded (an m=application section is needed).
// An in-band channel opens with DCEP (RFC 8832) once SCTP is up; a
// negotiated one (init.Negotiated, init.ID set) opens when SCTP is up,
// without DCEP. DCEP and the stream bookkeeping are rtc-datachannel's.
func (pc *PeerConnection) CreateDataChannel(label string, init DataChannelInit) (*DataChannel, error) {
	if pc.closed {
		return nil, ErrClosed
	}
	if err := checkInit(label, init); err != nil {
		return nil, err
	}
	if len(pc.data.channels) >= pc.cfg.maxDataChannels() {
		return nil, ErrTooManyChannels
	}
	d := &DataChannel{pc: pc, label: label, init: init}
	if init.Negotiated {
		if pc.data.byID(*init.ID) != nil {
			return nil, fmt.Errorf("rtc: stream id %d in use", *init.ID)
		}
		d.id, d.hasID = *init.ID, true
	}
	pc.data.channels = append(pc.data.channels, d)
	if !pc.neg.wantData {
		pc.neg.wantData = true
		if pc.neg.dataSection() == nil {
			pc.neg.need(&pc.out)
		}
	}
	pc.data.open(d, &pc.out)
	pc.step()
	return d, nil
}

// checkInit runs the W3C createDataChannel validation steps.
func checkInit(label string, init DataChannelInit) error {
	switch {
	case len(label) > 65535 || len(init.Protocol) > 65535:
		return fmt.Errorf("rtc: label or protocol longer than 65535 bytes")
	case init.MaxPacketLifeTime != nil && init.MaxRetransmits != nil:
		return fmt.Errorf("rtc: both MaxPacketLifeTime and MaxRetransmits set")
	case init.Negotiated && init.ID == nil:
		return fmt.Errorf("rtc: negotiated channel without ID")
	case init.ID != nil && *init.ID == 65535:
		return fmt.Errorf("rtc: stream id 65535 is reserved")
	}
	return nil
}

// send queues one message on a channel. It does not build packets: the
// next PollWrite pulls them out of SCTP (pump), so messages written one
// after another before it share packets (RFC 9260 §6.10 bundling: many
// small messages, one DTLS record and one datagram, instead of one each).
// The data part's deadline is stale after the write, so PollTimeout sees
// SCTP's pending output (drain rule).
func (pc *PeerConnection) send(d *DataChannel, b []byte, binary bool) error {
	if pc.closed {
		return ErrClosed
	}
	if d.pc != pc {
		return ErrUnknownChannel
	}
	return pc.data.send(d, b, binary, pc.cfg.maxBufferedAmount())
}

// closeChannel starts closing a channel (RFC 8831 §6.7).
func (pc *PeerConnection) closeChannel(d *DataChannel) error {
	err := pc.data.closeChannel(d, &pc.out)
	pc.step()
	return err
}

func (pc *PeerConnection) bufferedAmount(d *DataChannel) int { return pc.data.bufferedAmount(d) }

func (pc *PeerConnection) applyThreshold(d *DataChannel) { pc.data.applyThreshold(d) }
