package rtc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// DCEP, the Data Channel Establishment Protocol (RFC 8832), and the
// WebRTC PPIDs (RFC 8831 §8).
//
// TODO(integrator): rtc-datachannel had not landed when the PeerConnection
// needed DCEP, so the few lines of it live here; move to rtc-datachannel's
// codec when it is there.

// PPIDs (RFC 8831 §8, RFC 8832 §8.1).
const (
	ppidDCEP        = 50
	ppidString      = 51
	ppidBinary      = 53
	ppidStringEmpty = 56
	ppidBinaryEmpty = 57
)

// DCEP message types (RFC 8832 §8.2.1).
const (
	dcepAck  = 0x02
	dcepOpen = 0x03
)

// Channel types (RFC 8832 §5.1).
const (
	chanReliable               = 0x00
	chanReliableUnordered      = 0x80
	chanPartialRexmit          = 0x01
	chanPartialRexmitUnordered = 0x81
	chanPartialTimed           = 0x02
	chanPartialTimedUnordered  = 0x82
	chanUnorderedBit           = 0x80
	chanPolicyMask             = 0x7F
	dcepOpenHeaderLen          = 12
	maxDCEPLabel               = 65535
	errDCEPStr                 = "rtc: malformed DATA_CHANNEL_OPEN"
)

var errDCEP = errors.New(errDCEPStr)

// dcepOpenMsg is a DATA_CHANNEL_OPEN (RFC 8832 §5.1).
type dcepOpenMsg struct {
	ChannelType uint8
	Priority    uint16
	Reliability uint32
	Label       string
	Protocol    string
}

func (m *dcepOpenMsg) marshal() []byte {
	b := make([]byte, 0, dcepOpenHeaderLen+len(m.Label)+len(m.Protocol))
	b = append(b, dcepOpen, m.ChannelType)
	b = binary.BigEndian.AppendUint16(b, m.Priority)
	b = binary.BigEndian.AppendUint32(b, m.Reliability)
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Label)))
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Protocol)))
	b = append(b, m.Label...)
	return append(b, m.Protocol...)
}

// parseDCEPOpen parses a DATA_CHANNEL_OPEN. The strings are copied.
func parseDCEPOpen(b []byte) (dcepOpenMsg, error) {
	if len(b) < dcepOpenHeaderLen || b[0] != dcepOpen {
		return dcepOpenMsg{}, errDCEP
	}
	m := dcepOpenMsg{ChannelType: b[1], Priority: binary.BigEndian.Uint16(b[2:]), Reliability: binary.BigEndian.Uint32(b[4:])}
	ll, pl := int(binary.BigEndian.Uint16(b[8:])), int(binary.BigEndian.Uint16(b[10:]))
	if len(b) != dcepOpenHeaderLen+ll+pl {
		return dcepOpenMsg{}, fmt.Errorf("%w: lengths %d+%d do not match %d bytes", errDCEP, ll, pl, len(b)-dcepOpenHeaderLen)
	}
	switch m.ChannelType {
	case chanReliable, chanReliableUnordered, chanPartialRexmit, chanPartialRexmitUnordered, chanPartialTimed, chanPartialTimedUnordered:
	default:
		return dcepOpenMsg{}, fmt.Errorf("%w: channel type %#x", errDCEP, m.ChannelType)
	}
	m.Label = string(b[dcepOpenHeaderLen : dcepOpenHeaderLen+ll])
	m.Protocol = string(b[dcepOpenHeaderLen+ll:])
	return m, nil
}

// openMsgFor builds the OPEN for a channel's options.
func openMsgFor(label string, init DataChannelInit) dcepOpenMsg {
	m := dcepOpenMsg{Label: label, Protocol: init.Protocol, Priority: init.Priority.dcepPriority()}
	switch {
	case init.MaxRetransmits != nil:
		m.ChannelType, m.Reliability = chanPartialRexmit, uint32(*init.MaxRetransmits)
	case init.MaxPacketLifeTime != nil:
		m.ChannelType, m.Reliability = chanPartialTimed, uint32(*init.MaxPacketLifeTime)
	}
	if init.Unordered {
		m.ChannelType |= chanUnorderedBit
	}
	return m
}

// initFromOpen turns a remote OPEN into channel options.
func initFromOpen(m dcepOpenMsg, id uint16) DataChannelInit {
	init := DataChannelInit{Protocol: m.Protocol, Unordered: m.ChannelType&chanUnorderedBit != 0, ID: &id}
	v := uint16(min(m.Reliability, 65535))
	switch m.ChannelType & chanPolicyMask {
	case chanPartialRexmit:
		init.MaxRetransmits = &v
	case chanPartialTimed:
		init.MaxPacketLifeTime = &v
	}
	switch {
	case m.Priority <= 128:
		init.Priority = PriorityVeryLow
	case m.Priority <= 256:
		init.Priority = PriorityLow
	case m.Priority <= 512:
		init.Priority = PriorityMedium
	default:
		init.Priority = PriorityHigh
	}
	return init
}
