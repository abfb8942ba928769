package tls13

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// MaxSeq is the highest record sequence number a writer uses in one epoch.
// RFC 9147 §4.2.1 bounds the record number to 48 bits in DTLSPlaintext; the
// AEAD limits of RFC 9147 §4.5.3 call for a KeyUpdate long before (see
// Writer.NeedsKeyUpdate).
const MaxSeq = 1<<48 - 1

// keyUpdateAfter is how many records a writer protects before it asks for a
// KeyUpdate. RFC 8446 §5.5: AES-GCM may protect at most 2^24.5 full-size
// records per key; RFC 9147 §4.5.3 keeps the TLS limits for confidentiality.
// 2^23 leaves a wide margin and is far beyond a WebRTC session's needs.
const keyUpdateAfter = 1 << 23

// Writer protects outgoing records of one epoch (RFC 9147 §4). It is a
// plain value; the owner keeps one per direction and swaps it on a key
// change (§6.1).
type Writer struct {
	Epoch uint64
	prot  *Protection
	seq   uint64
	// CID, when not empty, is written in every record (RFC 9147 §9).
	CID []byte
	// Seq8 writes 8-bit sequence numbers instead of 16 (RFC 9147 §4: "the
	// sender can choose"). Off by default: 16 bits survive more reordering.
	Seq8 bool
	// NoLength omits the length field; the record then runs to the end of
	// the datagram and must be the last in it.
	NoLength bool
	// Limit, when non-zero, is the peer's record_size_limit (RFC 8449 §4):
	// the largest TLSInnerPlaintext, content type and padding included.
	Limit int

	nonce [12]byte // scratch: a local would escape through the AEAD interface
	mask  [16]byte
}

// NewWriter makes a writer for epoch with protection p, starting at
// sequence number 0 (RFC 9147 §4.2.1: each epoch starts at 0).
func NewWriter(epoch uint64, p *Protection) Writer { return Writer{Epoch: epoch, prot: p} }

// Seq returns the next sequence number the writer will use.
func (w *Writer) Seq() uint64 { return w.seq }

// NeedsKeyUpdate reports whether the writer has protected enough records
// that the owner should send a KeyUpdate (RFC 9147 §8).
func (w *Writer) NeedsKeyUpdate() bool { return w.seq >= keyUpdateAfter }

// Overhead is the bytes a record adds to its payload, without padding.
func (w *Writer) Overhead() int {
	n := 1 + len(w.CID) + 2 + 1 + w.prot.Overhead() // header, seq, type byte, tag
	if w.Seq8 {
		n--
	}
	if !w.NoLength {
		n += 2
	}
	return n
}

// Seal appends one DTLSCiphertext record carrying payload of type typ, with
// padding zero bytes (RFC 8446 §5.4), and returns the extended dst and the
// record's sequence number. dst's spare capacity is used when it fits, so a
// caller that reserves room allocates nothing. payload must not overlap dst's
// spare capacity.
//
// The header is the AEAD additional data with the sequence number in clear
// (RFC 9147 §4: "prior to record number encryption"); after sealing, the
// sequence number bytes are XORed with the mask of §4.2.3.
func (w *Writer) Seal(dst []byte, typ ContentType, payload []byte, padding int) ([]byte, uint64, error) {
	inner := len(payload) + 1 + padding
	if w.Limit > 0 && inner > w.Limit {
		return dst, 0, ErrRecordOverflow
	}
	if inner+w.prot.Overhead() > 0xFFFF {
		return dst, 0, ErrRecordOverflow
	}
	if w.seq > MaxSeq {
		return dst, 0, ErrSeqExhausted
	}
	seq := w.seq
	start := len(dst)
	encLen := inner + w.prot.Overhead()
	dst = appendHeader(dst, w.CID, w.Epoch, seq, !w.Seq8, !w.NoLength, encLen)
	hdrEnd := len(dst)
	dst = append(dst, payload...)
	dst = append(dst, byte(typ))
	for range padding {
		dst = append(dst, 0)
	}
	w.prot.nonce(&w.nonce, seq)
	hdr := dst[start:hdrEnd]
	dst = w.prot.aead.Seal(dst[:hdrEnd], w.nonce[:], dst[hdrEnd:], hdr)
	m := &w.mask
	w.prot.mask(m, dst[hdrEnd:])
	so := start + 1 + len(w.CID)
	dst[so] ^= m[0]
	if !w.Seq8 {
		dst[so+1] ^= m[1]
	}
	w.seq++
	return dst, seq, nil
}

// readEpoch is one epoch a reader accepts.
type readEpoch struct {
	epoch  uint64
	prot   *Protection
	window shared.ReplayWindow
}

// maxReadEpochs is how many epochs a reader keeps keys for. Four is the most
// the two epoch bits can tell apart (RFC 9147 §4.2.2).
const maxReadEpochs = 4

// Reader unprotects incoming DTLSCiphertext records for the epochs it holds
// keys for, with a replay window per epoch that moves only when a record
// authenticates (RFC 9147 §4.5.1).
type Reader struct {
	epochs [maxReadEpochs]readEpoch
	n      int
	cidLen int
	window int
	// Limit, when non-zero, is our record_size_limit: a record whose
	// TLSInnerPlaintext exceeds it is refused (RFC 8449 §4: record_overflow).
	Limit int

	// scratch: locals would escape through the AEAD and block interfaces.
	nonce [12]byte
	mask  [16]byte
	// hdr holds the unmasked header (the additional data): flags, CID,
	// seq, length. Inline for a CID of up to hdrInlineCID bytes; a longer
	// one takes hdrLong, allocated once (a connected Endpoint kept 260
	// bytes inline before).
	hdr     [1 + hdrInlineCID + 4]byte
	hdrLong []byte
}

// hdrInlineCID is the longest CID whose record header fits Reader.hdr.
const hdrInlineCID = 19

// header returns room for a record header of n bytes.
func (r *Reader) header(n int) []byte {
	if n <= len(r.hdr) {
		return r.hdr[:]
	}
	if r.hdrLong == nil {
		r.hdrLong = make([]byte, 1+255+4)
	}
	return r.hdrLong
}

// NewReader makes a reader. cidLen is the length of the connection ID we
// asked the peer to use (0: none); window is the replay window size.
func NewReader(cidLen, window int) Reader { return Reader{cidLen: cidLen, window: window} }

// AddEpoch installs keys for epoch, dropping the oldest epoch when four are
// held already (RFC 9147 §6.1: old keys are kept only until records of the
// new epoch arrive; the caller retires them with DropEpochsBelow).
func (r *Reader) AddEpoch(epoch uint64, p *Protection) {
	if r.n == maxReadEpochs {
		copy(r.epochs[:], r.epochs[1:])
		r.n--
	}
	r.epochs[r.n] = readEpoch{epoch: epoch, prot: p, window: shared.NewReplayWindow(r.window)}
	r.n++
}

// DropEpochsBelow forgets the keys of every epoch before e.
func (r *Reader) DropEpochsBelow(e uint64) {
	k := 0
	for i := 0; i < r.n; i++ {
		if r.epochs[i].epoch >= e {
			r.epochs[k] = r.epochs[i]
			k++
		}
	}
	for i := k; i < r.n; i++ {
		r.epochs[i] = readEpoch{}
	}
	r.n = k
}

// HasEpoch reports whether the reader holds keys for e.
func (r *Reader) HasEpoch(e uint64) bool {
	for i := 0; i < r.n; i++ {
		if r.epochs[i].epoch == e {
			return true
		}
	}
	return false
}

// Record is one unprotected record.
type Record struct {
	Epoch uint64
	Seq   uint64
	Type  ContentType
	Data  []byte // aliases the dst passed to Open
	// CID says the header carried a connection ID; Newest that the record
	// was newer than every record of its epoch before it (RFC 9146 §6:
	// only such a record may move the peer's address).
	CID, Newest bool
}

// Why Open dropped a record; each is wrapped by the error it returns, so the
// owner can count them.
var (
	ErrUnknownEpoch = errors.New("tls13: record of an epoch without keys")
	ErrReplayed     = errors.New("tls13: replayed record")
	ErrAuth         = errors.New("tls13: record failed authentication")
	ErrNoContent    = errors.New("tls13: record without a content type")
)

// Open unprotects the first DTLSCiphertext record in b. It returns the
// record (its Data appended to dst[:0], so the caller's scratch buffer is
// reused and b is not modified) and n, the bytes of b the record took. On
// error n is still the record's length when the header parsed, so the owner
// can skip a bad record and go on with the rest of the datagram; n is 0 when
// the header itself is bad (drop the rest of the datagram).
func (r *Reader) Open(dst, b []byte) (rec Record, n int, err error) {
	h, err := ParseHeader(b, r.cidLen)
	if err != nil {
		return rec, 0, err
	}
	n = h.HeaderLen + h.Length
	ep := r.find(h.EpochBits)
	if ep == nil {
		return rec, n, ErrUnknownEpoch
	}
	body := b[h.HeaderLen:n]
	m := &r.mask
	ep.prot.mask(m, body)
	hdr := r.header(h.HeaderLen)
	hl := copy(hdr, b[:h.HeaderLen])
	so := h.seqOffset()
	hdr[so] ^= m[0]
	bitsLen := uint(8)
	trunc := uint64(hdr[so])
	if h.Seq16 {
		hdr[so+1] ^= m[1]
		bitsLen = 16
		trunc = uint64(hdr[so])<<8 | uint64(hdr[so+1])
	}
	next := uint64(0)
	latest, started := ep.window.Latest()
	if started {
		next = latest + 1
	}
	seq := ReconstructSeq(next, trunc, bitsLen)
	if !ep.window.Check(seq) {
		return rec, n, ErrReplayed
	}
	ep.prot.nonce(&r.nonce, seq)
	out, err := ep.prot.aead.Open(dst[:0], r.nonce[:], body, hdr[:hl])
	if err != nil {
		return rec, n, ErrAuth
	}
	// RFC 8446 §5.4: the content type is the last non-zero byte; a record
	// of only zeros is an unexpected_message.
	i := len(out) - 1
	for i >= 0 && out[i] == 0 {
		i--
	}
	if i < 0 {
		return rec, n, ErrNoContent
	}
	if r.Limit > 0 && len(out) > r.Limit {
		return rec, n, ErrRecordOverflow
	}
	ep.window.Accept(seq)
	return Record{Epoch: ep.epoch, Seq: seq, Type: ContentType(out[i]), Data: out[:i],
		CID: h.CID != nil, Newest: !started || seq > latest}, n, nil
}

// find picks the epoch whose low bits match (RFC 9147 §4.2.2), the newest
// when more than one could.
func (r *Reader) find(bits uint8) *readEpoch {
	for i := r.n - 1; i >= 0; i-- {
		if uint8(r.epochs[i].epoch&hdrEpoch) == bits {
			return &r.epochs[i]
		}
	}
	return nil
}
