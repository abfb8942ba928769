package srtp

import (
	"crypto/subtle"
	"encoding/binary"
)

// rtpHeaderLen returns the length of the RTP header at the start of b (RFC
// 3550 §5.1, §5.3.1): fixed header, CSRC list and header extension. SRTP
// leaves all of it in the clear (RFC 3711 §3.1).
func rtpHeaderLen(b []byte) (int, error) {
	if len(b) < 12 {
		return 0, ErrTooShort
	}
	if b[0]>>6 != 2 {
		return 0, ErrNotRTP
	}
	h := 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < h+4 {
			return 0, ErrTooShort
		}
		h += 4 + 4*int(binary.BigEndian.Uint16(b[h+2:]))
	}
	if len(b) < h {
		return 0, ErrTooShort
	}
	return h, nil
}

// ProtectRTP turns the RTP packet in buf into an SRTP packet in place and
// returns it: buf[:len(buf)+RTPOverhead()]. buf must have that capacity;
// otherwise ErrShortBuffer is returned and nothing changes. The result
// aliases buf.
func (c *Context) ProtectRTP(buf []byte) ([]byte, error) {
	h, err := rtpHeaderLen(buf)
	if err != nil {
		return nil, err
	}
	n := len(buf)
	if cap(buf)-n < c.RTPOverhead() {
		return nil, ErrShortBuffer
	}
	ssrc := binary.BigEndian.Uint32(buf[8:12])
	seq := binary.BigEndian.Uint16(buf[2:4])
	s := c.lastTx
	if s == nil || c.lastTxSSRC != ssrc {
		if s, err = c.stream(c.tx, ssrc, true); err != nil {
			return nil, err
		}
		c.lastTx, c.lastTxSSRC = s, ssrc
	}
	v := s.estimateROC(seq)
	if s.started && v == 0 && s.roc == ^uint32(0) {
		return nil, ErrIndexExhausted
	}
	k := c.send
	out := buf[:n+c.RTPOverhead()]
	if c.params.AEAD {
		k.rtpNonce(ssrc, v, seq)
		if c.encRTP {
			// RFC 7714 §8.1: AAD is the header; the payload is encrypted
			// and the tag follows it, then the MKI (§8: after the tag).
			k.rtpAEAD.Seal(buf[h:h], k.nonce[:], buf[h:n], buf[:h])
		} else {
			// RFC 7714 §8.2 (authentication only): the whole packet is AAD.
			k.rtpAEAD.Seal(buf[n:n], k.nonce[:], nil, buf[:n])
		}
		copy(out[n+c.params.RTPTagLen:], k.mki)
	} else {
		if c.encRTP {
			k.rtpIV(ssrc, v, seq)
			k.rtpCTR.xorKeyStream(buf[h:n], &k.iv)
		}
		// RFC 3711 §3.1: the MKI follows the encrypted portion and precedes
		// the tag, and is not authenticated (§4.2: M = header || payload ||
		// ROC).
		copy(out[n:], k.mki)
		k.rtpTag(buf[:n], v)
		copy(out[n+c.mkiLen:], k.mac[:c.params.RTPTagLen])
	}
	s.update(v, seq)
	c.stats.RTPProtected++
	return out, nil
}

// AppendProtectRTP appends the SRTP form of the RTP packet pkt to dst and
// returns the extended slice. pkt is not modified; dst grows if needed.
func (c *Context) AppendProtectRTP(dst, pkt []byte) ([]byte, error) {
	start := len(dst)
	dst = grow(dst, len(pkt)+c.RTPOverhead())
	dst = append(dst, pkt...)
	out, err := c.ProtectRTP(dst[start:])
	if err != nil {
		return dst[:start], err
	}
	return dst[:start+len(out)], nil
}

// UnprotectRTP verifies and decrypts the SRTP packet in buf in place and
// returns the RTP packet, buf[:len(buf)-RTPOverhead()]. On error the
// context's state is unchanged (the contents of buf are then unspecified for
// the AEAD profiles, whose failed decryption clears the payload).
func (c *Context) UnprotectRTP(buf []byte) ([]byte, error) {
	out, err := c.unprotectRTP(buf)
	if err != nil {
		c.count(err)
	}
	return out, err
}

func (c *Context) unprotectRTP(buf []byte) ([]byte, error) {
	h, err := rtpHeaderLen(buf)
	if err != nil {
		return nil, err
	}
	tagLen := c.params.RTPTagLen
	m := len(buf) - tagLen - c.mkiLen // end of the encrypted portion
	if m < h {
		return nil, ErrTooShort
	}
	var mki []byte
	if c.params.AEAD {
		mki = buf[m+tagLen:]
	} else {
		mki = buf[m : m+c.mkiLen]
	}
	k := c.keyFor(mki)
	if k == nil {
		return nil, ErrUnknownMKI
	}
	ssrc := binary.BigEndian.Uint32(buf[8:12])
	seq := binary.BigEndian.Uint16(buf[2:4])
	s := c.lastRx
	if s == nil || c.lastRxSSRC != ssrc {
		s = c.rx[ssrc]
		if s == nil && len(c.rx) >= c.maxSSRC {
			return nil, ErrTooManySSRCs
		}
	}
	var fresh stream // state of a not-yet-authenticated new SSRC
	st := s
	if st == nil {
		st = &fresh
	}
	v := st.estimateROC(seq)
	if st.started && v == 0 && st.roc == ^uint32(0) {
		// RFC 3711 §3.3.1: the 48-bit index must not wrap; the key must
		// be changed first (§9.2). A guess of ROC+1 at the last ROC would
		// reuse the keystream of index 0.
		return nil, ErrIndexExhausted
	}
	index := uint64(v)<<16 | uint64(seq)
	if c.replay && s != nil && !s.rtpWin.Check(index) {
		return nil, ErrReplay
	}
	if c.params.AEAD {
		k.rtpNonce(ssrc, v, seq)
		if c.encRTP {
			if _, err := k.rtpAEAD.Open(buf[h:h], k.nonce[:], buf[h:m+tagLen], buf[:h]); err != nil {
				return nil, ErrAuthFailed
			}
		} else if _, err := k.rtpAEAD.Open(buf[m:m], k.nonce[:], buf[m:m+tagLen], buf[:m]); err != nil {
			return nil, ErrAuthFailed
		}
	} else {
		// RFC 3711 §3.3 step 5: verify before decrypting.
		k.rtpTag(buf[:m], v)
		tag := buf[m+c.mkiLen:]
		if subtle.ConstantTimeCompare(tag, k.mac[:tagLen]) != 1 {
			return nil, ErrAuthFailed
		}
		if c.encRTP {
			k.rtpIV(ssrc, v, seq)
			k.rtpCTR.xorKeyStream(buf[h:m], &k.iv)
		}
	}
	if s == nil {
		// Only an authenticated packet may create state.
		if s, err = c.stream(c.rx, ssrc, true); err != nil {
			return nil, err
		}
	}
	c.lastRx, c.lastRxSSRC = s, ssrc
	s.update(v, seq)
	if c.replay {
		s.rtpWin.Accept(index)
	}
	c.stats.RTPUnprotected++
	return buf[:m], nil
}

// AppendUnprotectRTP appends the RTP packet carried by the SRTP packet pkt
// to dst. pkt is not modified.
func (c *Context) AppendUnprotectRTP(dst, pkt []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, pkt...)
	out, err := c.UnprotectRTP(dst[start:])
	if err != nil {
		return dst[:start], err
	}
	return dst[:start+len(out)], nil
}

// rtpIV builds the AES-CM IV of RFC 3711 §4.1.1:
// IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i = 2^16 * ROC + SEQ.
func (k *keySet) rtpIV(ssrc, roc uint32, seq uint16) {
	iv := &k.iv
	copy(iv[:14], k.rtpSalt[:])
	iv[14], iv[15] = 0, 0
	xor32(iv[4:8], ssrc)
	xor32(iv[8:12], roc)
	iv[12] ^= byte(seq >> 8)
	iv[13] ^= byte(seq)
}

// rtpNonce builds the AES-GCM IV of RFC 7714 §8.1:
// (00 00 || SSRC || ROC || SEQ) XOR salt.
func (k *keySet) rtpNonce(ssrc, roc uint32, seq uint16) {
	n := &k.nonce
	*n = k.rtpGSalt
	xor32(n[2:6], ssrc)
	xor32(n[6:10], roc)
	n[10] ^= byte(seq >> 8)
	n[11] ^= byte(seq)
}

// rtpTag computes HMAC-SHA1(k_a, M) with M = authenticated portion || ROC
// (RFC 3711 §4.2) into k.mac.
func (k *keySet) rtpTag(authenticated []byte, roc uint32) {
	binary.BigEndian.PutUint32(k.roc[:], roc)
	k.rtpMAC.Reset()
	k.rtpMAC.Write(authenticated)
	k.rtpMAC.Write(k.roc[:])
	k.rtpMAC.Sum(k.mac[:0])
}

func xor32(b []byte, v uint32) {
	b[0] ^= byte(v >> 24)
	b[1] ^= byte(v >> 16)
	b[2] ^= byte(v >> 8)
	b[3] ^= byte(v)
}

// grow makes sure dst has room for n more octets.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	return append(dst[:len(dst):len(dst)], make([]byte, n)...)[:len(dst)]
}

func (c *Context) count(err error) {
	switch err {
	case ErrAuthFailed:
		c.stats.AuthFailures++
	case ErrReplay:
		c.stats.Replays++
	case ErrTooShort, ErrNotRTP:
		c.stats.TooShort++
	case ErrTooManySSRCs:
		c.stats.SSRCLimit++
	case ErrUnknownMKI:
		c.stats.UnknownMKI++
	case ErrIndexExhausted:
		c.stats.IndexExhausted++
	}
}

// IsRTCP tells an RTCP (or SRTCP) packet from an RTP one on a multiplexed
// port (RFC 5761 §4): the second octet of RTCP is a packet type in 192-223
// (which, read as marker + payload type, no RTP payload type may use).
func IsRTCP(packet []byte) bool {
	return len(packet) >= 2 && packet[1] >= 192 && packet[1] <= 223
}
