package srtp

import (
	"crypto/subtle"
	"encoding/binary"
)

// srtcpE is the E flag of the SRTCP index word (RFC 3711 §3.4).
const srtcpE = 1 << 31

// maxSRTCPIndex bounds the 31-bit SRTCP index.
const maxSRTCPIndex = 1<<31 - 1

// rtcpHeader checks the first 8 octets of an RTCP packet (header and sender
// SSRC, which SRTCP leaves in the clear, RFC 3711 §3.4) and returns the SSRC.
func rtcpHeader(b []byte) (uint32, error) {
	if len(b) < 8 {
		return 0, ErrTooShort
	}
	if b[0]>>6 != 2 {
		return 0, ErrNotRTP
	}
	return binary.BigEndian.Uint32(b[4:8]), nil
}

// ProtectRTCP turns the (compound) RTCP packet in buf into an SRTCP packet in
// place and returns buf[:len(buf)+RTCPOverhead()]. buf must have that
// capacity; otherwise ErrShortBuffer is returned and nothing changes.
//
// Layout (RFC 3711 §3.4): first 8 octets || encrypted rest || E|index ||
// MKI || tag. For AEAD (RFC 7714 §9.1): first 8 octets || ciphertext || tag
// || E|index || MKI.
func (c *Context) ProtectRTCP(buf []byte) ([]byte, error) {
	ssrc, err := rtcpHeader(buf)
	if err != nil {
		return nil, err
	}
	n := len(buf)
	if cap(buf)-n < c.RTCPOverhead() {
		return nil, ErrShortBuffer
	}
	s, err := c.stream(c.tx, ssrc, true)
	if err != nil {
		return nil, err
	}
	index := s.rtcpNext
	if index > maxSRTCPIndex {
		return nil, ErrIndexExhausted
	}
	word := index
	if c.encRTCP {
		word |= srtcpE
	}
	k := c.send
	out := buf[:n+c.RTCPOverhead()]
	tagLen := c.params.RTCPTagLen
	if c.params.AEAD {
		k.rtcpNonce(ssrc, index)
		if c.encRTCP {
			// RFC 7714 §9.1: AAD = first 8 octets || E|index.
			copy(k.aad[:8], buf[:8])
			binary.BigEndian.PutUint32(k.aad[8:], word)
			k.rtcpAEAD.Seal(buf[8:8], k.nonce[:], buf[8:n], k.aad[:])
		} else {
			// RFC 7714 §9.2: AAD = the whole packet || E|index.
			binary.BigEndian.PutUint32(out[n:], word)
			k.rtcpAEAD.Seal(k.tag[:0], k.nonce[:], nil, out[:n+4])
			copy(out[n:], k.tag[:tagLen])
		}
		binary.BigEndian.PutUint32(out[n+tagLen:], word)
		copy(out[n+tagLen+4:], k.mki)
	} else {
		if c.encRTCP {
			k.rtcpIV(ssrc, index)
			k.rtcpCTR.xorKeyStream(buf[8:n], &k.iv)
		}
		binary.BigEndian.PutUint32(out[n:], word)
		copy(out[n+4:], k.mki)
		// RFC 3711 §3.4: the tag covers the header, the encrypted portion
		// and the E|index word, not the MKI.
		k.rtcpTag(out[:n+4])
		copy(out[n+4+c.mkiLen:], k.mac[:tagLen])
	}
	s.rtcpNext = index + 1
	c.stats.RTCPProtected++
	return out, nil
}

// AppendProtectRTCP appends the SRTCP form of pkt to dst. pkt is not
// modified; dst grows if needed.
func (c *Context) AppendProtectRTCP(dst, pkt []byte) ([]byte, error) {
	start := len(dst)
	dst = grow(dst, len(pkt)+c.RTCPOverhead())
	dst = append(dst, pkt...)
	out, err := c.ProtectRTCP(dst[start:])
	if err != nil {
		return dst[:start], err
	}
	return dst[:start+len(out)], nil
}

// UnprotectRTCP verifies (and, when the E bit is set, decrypts) the SRTCP
// packet in buf in place and returns the RTCP packet,
// buf[:len(buf)-RTCPOverhead()]. On error the context's state is unchanged.
func (c *Context) UnprotectRTCP(buf []byte) ([]byte, error) {
	out, err := c.unprotectRTCP(buf)
	if err != nil {
		c.count(err)
	}
	return out, err
}

func (c *Context) unprotectRTCP(buf []byte) ([]byte, error) {
	ssrc, err := rtcpHeader(buf)
	if err != nil {
		return nil, err
	}
	tagLen := c.params.RTCPTagLen
	m := len(buf) - c.RTCPOverhead() // end of the RTCP packet proper
	if m < 8 {
		return nil, ErrTooShort
	}
	var wordAt, mkiAt int
	if c.params.AEAD {
		wordAt, mkiAt = m+tagLen, m+tagLen+4
	} else {
		wordAt, mkiAt = m, m+4
	}
	k := c.keyFor(buf[mkiAt : mkiAt+c.mkiLen])
	if k == nil {
		return nil, ErrUnknownMKI
	}
	word := binary.BigEndian.Uint32(buf[wordAt:])
	index := word &^ srtcpE
	encrypted := word&srtcpE != 0
	s := c.rx[ssrc]
	if s == nil && len(c.rx) >= c.maxSSRC {
		return nil, ErrTooManySSRCs
	}
	if c.replay && s != nil && !s.rtcpWin.Check(uint64(index)) {
		return nil, ErrReplay
	}
	if c.params.AEAD {
		k.rtcpNonce(ssrc, index)
		if encrypted {
			copy(k.aad[:8], buf[:8])
			binary.BigEndian.PutUint32(k.aad[8:], word)
			if _, err := k.rtcpAEAD.Open(buf[8:8], k.nonce[:], buf[8:m+tagLen], k.aad[:]); err != nil {
				return nil, ErrAuthFailed
			}
		} else {
			// AAD = packet || E|index, with the tag between them on the
			// wire: move the word next to the packet, verify, move back.
			copy(k.tag[:], buf[m:m+tagLen])
			binary.BigEndian.PutUint32(buf[m:], word)
			_, err := k.rtcpAEAD.Open(nil, k.nonce[:], k.tag[:tagLen], buf[:m+4])
			copy(buf[m:], k.tag[:tagLen])
			if err != nil {
				return nil, ErrAuthFailed
			}
		}
	} else {
		k.rtcpTag(buf[:m+4])
		tag := buf[mkiAt+c.mkiLen:]
		if subtle.ConstantTimeCompare(tag, k.mac[:tagLen]) != 1 {
			return nil, ErrAuthFailed
		}
		// With the NULL cipher "encryption" is the identity, whatever E says.
		if encrypted && !c.params.NullCipher {
			k.rtcpIV(ssrc, index)
			k.rtcpCTR.xorKeyStream(buf[8:m], &k.iv)
		}
	}
	if s == nil {
		if s, err = c.stream(c.rx, ssrc, true); err != nil {
			return nil, err
		}
	}
	if c.replay {
		s.rtcpWin.Accept(uint64(index))
	}
	c.stats.RTCPUnprotected++
	return buf[:m], nil
}

// AppendUnprotectRTCP appends the RTCP packet carried by the SRTCP packet
// pkt to dst. pkt is not modified.
func (c *Context) AppendUnprotectRTCP(dst, pkt []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, pkt...)
	out, err := c.UnprotectRTCP(dst[start:])
	if err != nil {
		return dst[:start], err
	}
	return dst[:start+len(out)], nil
}

// rtcpIV is the AES-CM IV of RFC 3711 §4.1.1 with the SRTCP index as i.
func (k *keySet) rtcpIV(ssrc, index uint32) {
	iv := &k.iv
	copy(iv[:14], k.rtcpSalt[:])
	iv[14], iv[15] = 0, 0
	xor32(iv[4:8], ssrc)
	xor32(iv[10:14], index)
}

// rtcpNonce is the AES-GCM IV of RFC 7714 §9.1:
// (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt.
func (k *keySet) rtcpNonce(ssrc, index uint32) {
	n := &k.nonce
	*n = k.rtcpGSalt
	xor32(n[2:6], ssrc)
	xor32(n[8:12], index)
}

func (k *keySet) rtcpTag(authenticated []byte) {
	k.rtcpMAC.Reset()
	k.rtcpMAC.Write(authenticated)
	k.rtcpMAC.Sum(k.mac[:0])
}
