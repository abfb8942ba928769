package dtls

import (
	"errors"

	"github.com/sansrtc/rtc/rtc-shared"
)

// recordHeaderLen is the DTLS record header size (RFC 6347 §4.1): type,
// version, epoch, 48-bit sequence number and length.
const recordHeaderLen = 13

// maxPlaintext is the largest record plaintext (RFC 5246 §6.2.1: 2^14).
const maxPlaintext = 1 << 14

// maxCiphertext is the largest record fragment on the wire (RFC 5246 §6.2.3:
// 2^14 + 2048).
const maxCiphertext = maxPlaintext + 2048

// minRecordSizeLimit is the smallest record_size_limit (RFC 8449 §4).
const minRecordSizeLimit = 64

// maxSeq is the largest 48-bit record sequence number.
const maxSeq = 1<<48 - 1

// RecordHeader is the DTLSPlaintext header (RFC 6347 §4.1), or with Type
// ContentTLS12CID the DTLSCiphertext header of RFC 9146 §4, whose CID sits
// between the sequence number and the length.
type RecordHeader struct {
	Type    ContentType
	Version uint16
	Epoch   uint16
	Seq     uint64 // 48 bits
	CID     []byte // ContentTLS12CID only; aliases the parsed datagram
	Length  uint16
}

var (
	errRecordTruncated = errors.New("truncated record")
	errRecordVersion   = errors.New("bad record version")
	errRecordType      = errors.New("unknown content type")
	errRecordTooLong   = errors.New("record too long")
)

// ParseRecord reads one record from the start of b. It returns the header,
// the fragment (aliasing b) and the rest of b after the record. Several
// records may share a datagram (RFC 6347 §4.1.1). Any content type is
// accepted; the version must be DTLS 1.0 or 1.2.
func ParseRecord(b []byte) (h RecordHeader, fragment, rest []byte, err error) {
	return ParseRecordCID(b, 0)
}

// ParseRecordCID is ParseRecord for a receiver that uses connection IDs of
// cidLen bytes (RFC 9146): a tls12_cid record carries a CID of that length
// before its length field, which only the receiver knows (RFC 9146 §4:
// "the CID length is not included in the record"). With cidLen zero a
// tls12_cid record is read as any other record (and then dropped by its
// type). A record of another type never has a CID.
func ParseRecordCID(b []byte, cidLen int) (h RecordHeader, fragment, rest []byte, err error) {
	c := shared.NewCursor(b)
	var typ uint8
	if !c.ReadUint8(&typ) || !c.ReadUint16(&h.Version) || !c.ReadUint16(&h.Epoch) ||
		!c.ReadUint48(&h.Seq) {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record header", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	if ContentType(typ) == ContentTLS12CID && cidLen > 0 && !c.ReadBytes(&h.CID, cidLen) {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record header", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	if !c.ReadUint16(&h.Length) {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record header", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	// The content type is not checked here: a record of a type we do not
	// know is still delimited by its length, so the connection can drop it
	// alone and read the records after it in the datagram (RFC 6347
	// §4.1.2.7: invalid records "SHOULD be silently discarded").
	h.Type = ContentType(typ)
	// RFC 6347 §4.1: the version is DTLS 1.0 (0xfeff) or DTLS 1.2 (0xfefd);
	// a ClientHello record may carry 1.0 for compatibility.
	if h.Version != versionDTLS12 && h.Version != versionDTLS10 {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record header", Offset: 1, Err: errRecordVersion}
	}
	if int(h.Length) > maxCiphertext {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record header", Offset: 11, Err: errRecordTooLong}
	}
	if !c.ReadBytes(&fragment, int(h.Length)) {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	return h, fragment, c.Rest(), nil
}

// AppendTo appends the header to b: 13 bytes, and the CID of a
// ContentTLS12CID record before the length (RFC 9146 §4).
func (h *RecordHeader) AppendTo(b []byte) []byte {
	b = append(b, byte(h.Type), byte(h.Version>>8), byte(h.Version), byte(h.Epoch>>8), byte(h.Epoch))
	b = append(b, byte(h.Seq>>40), byte(h.Seq>>32), byte(h.Seq>>24), byte(h.Seq>>16), byte(h.Seq>>8), byte(h.Seq))
	if h.Type == ContentTLS12CID {
		b = append(b, h.CID...)
	}
	return append(b, byte(h.Length>>8), byte(h.Length))
}

// Len is the header's length on the wire.
func (h *RecordHeader) Len() int {
	if h.Type == ContentTLS12CID {
		return recordHeaderLen + len(h.CID)
	}
	return recordHeaderLen
}

// seqNum64 is the 64-bit epoch||sequence value used in nonces and MACs
// (RFC 6347 §4.1.2.1).
func seqNum64(epoch uint16, seq uint64) uint64 { return uint64(epoch)<<48 | seq&maxSeq }
