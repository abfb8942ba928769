package rtcp

import "time"

// ntpEpochOffset is the number of seconds from 1900-01-01 (the NTP epoch)
// to 1970-01-01 (the Unix epoch).
const ntpEpochOffset = 2208988800

// NTPTime converts t to a 64-bit NTP timestamp (RFC 3550 §4): seconds since
// 1900 in the high 32 bits and the binary fraction of a second in the low 32
// bits, rounded to the nearest fraction.
func NTPTime(t time.Time) uint64 {
	sec := uint64(t.Unix() + ntpEpochOffset)
	frac := (uint64(t.Nanosecond())<<32 + 500_000_000) / 1_000_000_000
	return sec<<32 + frac
}

// TimeFromNTP converts a 64-bit NTP timestamp to a time, to the nanosecond
// (rounded). The 32-bit seconds field wraps on 2036-02-07 (the end of NTP
// era 0); as RFC 4330 §3 does, a timestamp whose most significant bit is
// set is read in 1968-2036 (era 0) and one whose bit is clear in
// 2036-2104 (era 1), so a report sent across the wrap keeps its meaning.
func TimeFromNTP(ntp uint64) time.Time {
	sec := int64(ntp>>32) - ntpEpochOffset
	if ntp>>63 == 0 {
		sec += 1 << 32 // era 1
	}
	nsec := ((ntp&0xffffffff)*1_000_000_000 + 1<<31) >> 32
	return time.Unix(sec, int64(nsec)).UTC()
}

// CompactNTP returns the middle 32 bits of a 64-bit NTP timestamp, the form
// LSR and DLRR fields carry (RFC 3550 §6.4.1, RFC 3611 §4.5).
func CompactNTP(ntp uint64) uint32 { return uint32(ntp >> 16) }

// CompactDuration converts d to units of 1/65536 s, as in DLSR (RFC 3550
// §6.4.1); negative durations give 0, too large ones saturate.
func CompactDuration(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	if d >= 1<<16*time.Second {
		// Past the field's range; also keeps d<<16 below 2^64.
		return 0xffffffff
	}
	v := (uint64(d)<<16 + uint64(time.Second)/2) / uint64(time.Second)
	if v > 0xffffffff {
		return 0xffffffff
	}
	return uint32(v)
}

// DurationFromCompact converts units of 1/65536 s to a duration.
func DurationFromCompact(v uint32) time.Duration {
	return time.Duration((uint64(v)*uint64(time.Second) + 1<<15) >> 16)
}

// RTT computes the round-trip time from a report block, as RFC 3550 §6.4.1
// describes: arrival is the compact NTP time the report arrived, lsr and
// dlsr the block's LastSenderReport and Delay fields:
//
//	RTT = A - LSR - DLSR
//
// It reports false when the block carries no LSR ("If no SR has been
// received yet, the field is set to zero") or when the result would be
// negative (clock skew or a corrupt block).
func RTT(arrival, lsr, dlsr uint32) (time.Duration, bool) {
	if lsr == 0 {
		return 0, false
	}
	elapsed := arrival - lsr // modulo 2^32, as the fields wrap
	if elapsed < dlsr || elapsed-dlsr > 0x80000000 {
		return 0, false
	}
	return DurationFromCompact(elapsed - dlsr), true
}

// NACKPairs packs lost sequence numbers into Generic NACK entries (RFC 4585
// §6.2.1) appended to dst[:0]: each entry names one lost packet and, in its
// bitmask, any of the 16 following ones. lost must be in RFC 1982 order;
// duplicates are ignored.
func NACKPairs(dst []NACKPair, lost []uint16) []NACKPair {
	dst = dst[:0]
	for _, s := range lost {
		if n := len(dst); n > 0 {
			d := s - dst[n-1].PacketID
			if d == 0 {
				continue
			}
			if d <= 16 {
				dst[n-1].LostPackets |= 1 << (d - 1)
				continue
			}
		}
		dst = append(dst, NACKPair{PacketID: s})
	}
	return dst
}

// AppendLost appends the sequence numbers the entry reports lost, in order.
func (p NACKPair) AppendLost(dst []uint16) []uint16 {
	dst = append(dst, p.PacketID)
	for i := uint16(0); i < 16; i++ {
		if p.LostPackets&(1<<i) != 0 {
			dst = append(dst, p.PacketID+i+1)
		}
	}
	return dst
}

// Lost appends every sequence number the NACK reports lost to dst[:0].
func (p *NACK) Lost(dst []uint16) []uint16 {
	dst = dst[:0]
	for _, q := range p.Pairs {
		dst = q.AppendLost(dst)
	}
	return dst
}
