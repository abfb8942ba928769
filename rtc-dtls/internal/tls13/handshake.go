package tls13

import (
	"errors"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// HandshakeType is the handshake message type (RFC 8446 §4, RFC 9147 §5.2).
type HandshakeType uint8

// Handshake message types of DTLS 1.3.
const (
	TypeClientHello         HandshakeType = 1
	TypeServerHello         HandshakeType = 2
	TypeNewSessionTicket    HandshakeType = 4
	TypeEncryptedExtensions HandshakeType = 8
	TypeCertificate         HandshakeType = 11
	TypeCertificateRequest  HandshakeType = 13
	TypeCertificateVerify   HandshakeType = 15
	TypeFinished            HandshakeType = 20
	TypeKeyUpdate           HandshakeType = 24
	TypeMessageHash         HandshakeType = 254
)

// String returns the RFC name.
func (t HandshakeType) String() string {
	switch t {
	case TypeClientHello:
		return "ClientHello"
	case TypeServerHello:
		return "ServerHello"
	case TypeNewSessionTicket:
		return "NewSessionTicket"
	case TypeEncryptedExtensions:
		return "EncryptedExtensions"
	case TypeCertificate:
		return "Certificate"
	case TypeCertificateRequest:
		return "CertificateRequest"
	case TypeCertificateVerify:
		return "CertificateVerify"
	case TypeFinished:
		return "Finished"
	case TypeKeyUpdate:
		return "KeyUpdate"
	case TypeRequestConnectionID:
		return "RequestConnectionId"
	case TypeNewConnectionID:
		return "NewConnectionId"
	case TypeMessageHash:
		return "message_hash"
	}
	return "HandshakeType(" + strconv.Itoa(int(t)) + ")"
}

// HandshakeHeaderLen is the DTLS handshake header length (RFC 9147 §5.2).
const HandshakeHeaderLen = 12

// HandshakeHeader is the DTLS 1.3 handshake message header (RFC 9147 §5.2):
//
//	struct {
//	    HandshakeType msg_type;
//	    uint24 length;
//	    uint16 message_seq;
//	    uint24 fragment_offset;
//	    uint24 fragment_length;
//	    ...
//	} Handshake;
type HandshakeHeader struct {
	Type           HandshakeType
	Length         uint32
	MessageSeq     uint16
	FragmentOffset uint32
	FragmentLength uint32
}

// ParseError reports where a message failed to parse; Err is the cause.
// The wire consequence is a decode_error alert (RFC 8446 §6.2) unless Alert
// says otherwise.
type ParseError struct {
	Type   string
	Offset int
	Err    error
	Alert  uint8 // the alert to send: 50 decode_error, 47 illegal_parameter
}

func (e *ParseError) Error() string {
	return "tls13: " + e.Type + " at byte " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Alert descriptions the codecs decide (RFC 8446 §6.2).
const (
	AlertIllegalParameter = 47
	AlertDecodeError      = 50
)

func decodeErr(typ string, c *shared.Cursor, err error) error {
	return &ParseError{Type: typ, Offset: c.Offset(), Err: err, Alert: AlertDecodeError}
}

func illegal(typ string, c *shared.Cursor, err error) error {
	return &ParseError{Type: typ, Offset: c.Offset(), Err: err, Alert: AlertIllegalParameter}
}

// ParseHandshakeHeader parses one handshake fragment at the start of b and
// returns its header, the fragment bytes (aliasing b) and the bytes used.
func ParseHandshakeHeader(b []byte) (HandshakeHeader, []byte, int, error) {
	var h HandshakeHeader
	c := shared.NewCursor(b)
	var t uint8
	var frag []byte
	if !c.ReadUint8(&t) || !c.ReadUint24(&h.Length) || !c.ReadUint16(&h.MessageSeq) ||
		!c.ReadUint24(&h.FragmentOffset) || !c.ReadUint24(&h.FragmentLength) ||
		!c.ReadBytes(&frag, int(h.FragmentLength)) {
		return h, nil, 0, decodeErr("handshake header", &c, shared.ErrTruncated)
	}
	h.Type = HandshakeType(t)
	if uint64(h.FragmentOffset)+uint64(h.FragmentLength) > uint64(h.Length) {
		return h, nil, 0, decodeErr("handshake header", &c, errors.New("fragment beyond the message"))
	}
	return h, frag, c.Offset(), nil
}

// AppendHandshakeHeader appends h.
func AppendHandshakeHeader(b []byte, h HandshakeHeader) []byte {
	bl := shared.NewBuilder(b)
	bl.AddUint8(uint8(h.Type))
	bl.AddUint24(h.Length)
	bl.AddUint16(h.MessageSeq)
	bl.AddUint24(h.FragmentOffset)
	bl.AddUint24(h.FragmentLength)
	out, _ := bl.Bytes() // a growing builder never fails
	return out
}

// AppendTranscript appends a message in the form the transcript hashes:
// the TLS 1.3 four-byte header (type, uint24 length) and the body. RFC 9147
// §5.2: the transcript is "computed over the original TLS 1.3-style
// Handshake messages without the message_seq, fragment_offset, and
// fragment_length values".
func AppendTranscript(b []byte, t HandshakeType, body []byte) []byte {
	n := len(body)
	b = append(b, byte(t), byte(n>>16), byte(n>>8), byte(n))
	return append(b, body...)
}

// MessageHash builds the synthetic message that replaces ClientHello1 in
// the transcript after a HelloRetryRequest (RFC 8446 §4.4.1):
//
//	Transcript-Hash(ClientHello1, HelloRetryRequest, ... Mn) =
//	    Hash(message_hash ||        /* Handshake type */
//	         00 00 Hash.length  ||  /* Handshake message length (bytes) */
//	         Hash(ClientHello1) ||  /* Hash of ClientHello1 */
//	         HelloRetryRequest  || ... || Mn)
func MessageHash(ch1Hash []byte) []byte {
	return AppendTranscript(nil, TypeMessageHash, ch1Hash)
}
