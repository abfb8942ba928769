package tls13

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// ContentType is the record content type (RFC 8446 §5.1, RFC 9147 §7).
type ContentType uint8

// Content types of DTLS 1.3.
const (
	ContentChangeCipherSpec ContentType = 20
	ContentAlert            ContentType = 21
	ContentHandshake        ContentType = 22
	ContentApplicationData  ContentType = 23
	ContentACK              ContentType = 26
)

// String returns the RFC name.
func (c ContentType) String() string {
	switch c {
	case ContentChangeCipherSpec:
		return "change_cipher_spec"
	case ContentAlert:
		return "alert"
	case ContentHandshake:
		return "handshake"
	case ContentApplicationData:
		return "application_data"
	case ContentACK:
		return "ack"
	}
	return "ContentType(" + strconv.Itoa(int(c)) + ")"
}

// Wire versions (RFC 9147 §5.3, §4).
const (
	VersionDTLS12 uint16 = 0xFEFD
	VersionDTLS13 uint16 = 0xFEFC
	// VersionDTLS10 is the legacy_record_version an initial ClientHello may
	// carry (RFC 9147 §4: "{254, 255}").
	VersionDTLS10 uint16 = 0xFEFF
)

// Unified header bits (RFC 9147 §4, Figure 3):
//
//	 0 1 2 3 4 5 6 7
//	+-+-+-+-+-+-+-+-+
//	|0|0|1|C|S|L|E E|
//	+-+-+-+-+-+-+-+-+
//	| Connection ID |   present if C
//	|  16 or 8 bit  |   16 bits if S
//	|Sequence Number|
//	| 16 bit Length |   present if L
const (
	hdrFixed    = 0x20
	hdrFixedMsk = 0xE0
	hdrC        = 0x10
	hdrS        = 0x08
	hdrL        = 0x04
	hdrEpoch    = 0x03
)

// PlaintextHeaderLen is the DTLSPlaintext header length (RFC 9147 §4).
const PlaintextHeaderLen = 13

// IsCiphertext reports whether a record starting with b0 uses the unified
// header (RFC 9147 §4.1: the first byte is 001xxxxx), rather than the
// DTLSPlaintext / DTLS 1.2 header of a content type.
func IsCiphertext(b0 byte) bool { return b0&hdrFixedMsk == hdrFixed }

// Header is a parsed DTLSCiphertext unified header. Seq holds the low 8 or
// 16 bits as they are on the wire: still encrypted until Unmask.
type Header struct {
	CID       []byte // aliases the input
	Seq16     bool   // S: a 16-bit sequence number
	HasLength bool   // L: a length field
	EpochBits uint8  // the low two bits of the epoch
	Seq       uint16 // the sequence number bits (8 or 16)
	Length    int    // the encrypted_record length (from L, or to the end)
	HeaderLen int    // bytes of header
}

// Errors of the record layer.
var (
	ErrShortRecord    = errors.New("tls13: short record")
	ErrNotCiphertext  = errors.New("tls13: not a DTLSCiphertext header")
	ErrRecordOverflow = errors.New("tls13: record too large")
	ErrSeqExhausted   = errors.New("tls13: record sequence numbers exhausted")
)

// ParseHeader parses the unified header at the start of b. cidLen is the
// length of the connection ID this endpoint chose (RFC 9147 §9: the CID is
// not self-describing); a record with C set when cidLen is 0 is refused. The
// record is b[:HeaderLen+Length]; the rest of b holds further records.
//
// RFC 9147 §4.2.3: "the ciphertext MUST be at least 16 bytes" for the mask,
// so shorter records are refused here.
func ParseHeader(b []byte, cidLen int) (Header, error) {
	var h Header
	if cidLen < 0 || cidLen > 255 {
		// RFC 9146 §3: ConnectionId cid<0..2^8-1>.
		return h, errors.New("tls13: connection ID length out of range")
	}
	if len(b) < 1 {
		return h, ErrShortRecord
	}
	f := b[0]
	if !IsCiphertext(f) {
		return h, ErrNotCiphertext
	}
	off := 1
	if f&hdrC != 0 {
		if cidLen == 0 {
			return h, errors.New("tls13: connection ID not negotiated")
		}
		if len(b) < off+cidLen {
			return h, ErrShortRecord
		}
		h.CID = b[off : off+cidLen]
		off += cidLen
	}
	h.Seq16 = f&hdrS != 0
	h.HasLength = f&hdrL != 0
	h.EpochBits = f & hdrEpoch
	if h.Seq16 {
		if len(b) < off+2 {
			return h, ErrShortRecord
		}
		h.Seq = binary.BigEndian.Uint16(b[off:])
		off += 2
	} else {
		if len(b) < off+1 {
			return h, ErrShortRecord
		}
		h.Seq = uint16(b[off])
		off++
	}
	if h.HasLength {
		if len(b) < off+2 {
			return h, ErrShortRecord
		}
		h.Length = int(binary.BigEndian.Uint16(b[off:]))
		off += 2
		if len(b) < off+h.Length {
			return h, ErrShortRecord
		}
	} else {
		h.Length = len(b) - off
	}
	h.HeaderLen = off
	if h.Length < 16 {
		return h, ErrShortRecord
	}
	return h, nil
}

// seqOffset is where the sequence number starts in the header.
func (h *Header) seqOffset() int { return 1 + len(h.CID) }

// AppendHeader appends a unified header with the sequence number in clear
// (the writer masks it after sealing). length is the encrypted_record
// length, written when withLength.
func appendHeader(b []byte, cid []byte, epoch uint64, seq uint64, seq16, withLength bool, length int) []byte {
	f := byte(hdrFixed) | byte(epoch&hdrEpoch)
	if len(cid) > 0 {
		f |= hdrC
	}
	if seq16 {
		f |= hdrS
	}
	if withLength {
		f |= hdrL
	}
	b = append(b, f)
	b = append(b, cid...)
	if seq16 {
		b = binary.BigEndian.AppendUint16(b, uint16(seq))
	} else {
		b = append(b, byte(seq))
	}
	if withLength {
		b = binary.BigEndian.AppendUint16(b, uint16(length))
	}
	return b
}

// ReconstructSeq recovers a full sequence number from its low bits (RFC 9147
// §4.2.2): "the receiver SHOULD select the sequence number closest to one
// plus the sequence number of the most recently received authenticated
// record in the current epoch". next is that "one plus", bitsLen 8 or 16.
// This is the packet number decoding of RFC 9000 §A.3.
func ReconstructSeq(next uint64, truncated uint64, bitsLen uint) uint64 {
	win := uint64(1) << bitsLen
	half := win / 2
	mask := win - 1
	cand := (next &^ mask) | truncated
	switch {
	case next >= half && cand+half <= next && cand < (1<<63)-win:
		return cand + win
	case cand > next+half && cand >= win:
		return cand - win
	}
	return cand
}

// PlaintextHeader is the DTLSPlaintext header (RFC 9147 §4), used for epoch 0
// (ClientHello, ServerHello, HelloRetryRequest, alerts before keys, ACKs of
// epoch-0 messages).
type PlaintextHeader struct {
	Type    ContentType
	Version uint16 // legacy_record_version
	Epoch   uint16
	Seq     uint64 // 48 bits
	Length  int
}

// ParsePlaintext parses a DTLSPlaintext record at the start of b and returns
// its header and fragment (aliasing b).
func ParsePlaintext(b []byte) (PlaintextHeader, []byte, error) {
	var h PlaintextHeader
	if len(b) < PlaintextHeaderLen {
		return h, nil, ErrShortRecord
	}
	h.Type = ContentType(b[0])
	h.Version = binary.BigEndian.Uint16(b[1:])
	h.Epoch = binary.BigEndian.Uint16(b[3:])
	h.Seq = uint64(binary.BigEndian.Uint16(b[5:]))<<32 | uint64(binary.BigEndian.Uint32(b[7:]))
	h.Length = int(binary.BigEndian.Uint16(b[11:]))
	if len(b) < PlaintextHeaderLen+h.Length {
		return h, nil, ErrShortRecord
	}
	return h, b[PlaintextHeaderLen : PlaintextHeaderLen+h.Length], nil
}

// AppendPlaintext appends a DTLSPlaintext record with fragment.
func AppendPlaintext(b []byte, h PlaintextHeader, fragment []byte) []byte {
	b = append(b, byte(h.Type))
	b = binary.BigEndian.AppendUint16(b, h.Version)
	b = binary.BigEndian.AppendUint16(b, h.Epoch)
	b = append(b, byte(h.Seq>>40), byte(h.Seq>>32), byte(h.Seq>>24), byte(h.Seq>>16), byte(h.Seq>>8), byte(h.Seq))
	b = binary.BigEndian.AppendUint16(b, uint16(len(fragment)))
	return append(b, fragment...)
}
