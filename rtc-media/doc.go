// Package media turns RTP packets into media frames, and reads and writes
// media files, without goroutines, clocks or I/O of its own. It depends on
// rtc-rtp (payload formats) and rtc-shared only, and works without a
// PeerConnection.
//
// # Jitter buffer
//
// A JitterBuffer rebuilds the frames (samples) of one RTP stream of any
// codec rtc-rtp packetizes: Opus, G.711, G.722, VP8, VP9, H.264, H.265 and
// AV1. Frame boundaries come from the marker bit, the timestamp (RFC 3550
// §5.1) and each payload format's own start and end signals (VP8 S bit and
// partition index, VP9 B/E flags, H.264/H.265 FU start and aggregation
// units, the AV1 aggregation header), read through the depayloaders of
// rtc-rtp, and, when Config.DependencyDescriptorID is set, the AV1
// dependency descriptor's start_of_frame. It reorders within a window of Config.MaxPackets sequence
// numbers, drops duplicates and late packets, handles sequence number and
// timestamp wraparound, asks for lost packets (EventNACK, RFC 4585 §6.2.1
// PID and BLP) every Config.NACKInterval, and gives a frame up
// Config.LossTimeout after the gap was seen (but not before its playout
// time). After an unrecoverable video loss it drops frames until the next
// keyframe and asks for one (EventKeyframeRequest, a PLI). Frames come out
// at their playout time: the fastest transit seen plus a target delay of
// three times the interarrival jitter (RFC 3550 §6.4.1), within
// Config.MinDelay and Config.MaxDelay; a frame later than Config.MaxLatency
// is dropped. Stats gives the getStats counters (jitterBufferDelay,
// jitterBufferEmittedCount, framesDropped, framesAssembled, packetsLost,
// packetsDiscarded, nackCount, pliCount).
//
// The drive loop is that of every sansrtc machine (shared.Protocol):
//
//	jb, err := media.NewJitterBuffer(media.Config{Codec: codec})
//	...
//	// For every RTP packet (after SRTP) and at every deadline:
//	err = jb.HandlePacket(now, &pkt) // or HandleRead(datagram), HandleTimeout(now)
//	for e, ok := jb.PollEvent(); ok; e, ok = jb.PollEvent() {
//		// EventNACK: send a Generic NACK; EventKeyframeRequest: send a PLI.
//	}
//	for f, ok := jb.PollFrame(); ok; f, ok = jb.PollFrame() {
//		// f.Data is valid until the next call on jb.
//	}
//	deadline, ok := jb.PollTimeout() // call HandleTimeout then
//
// An error wrapping ErrQueueFull (and shared.ErrQueueFull) says an event
// was lost because PollEvent was not drained; the packet was still
// handled. Malformed and oversized packets are dropped, counted and
// reported (ErrMalformedPacket, ErrPacketTooLarge); late and duplicate
// packets are only counted. PollWrite never has anything and HandleWrite
// refuses: requests leave as events, for the caller's RTCP machinery
// (rtc-interceptor's NACK generator, or an RTCP writer). HandleEvent takes
// ControlReset, for a new SSRC or a restarted sender.
//
// With rtc-interceptor's Chain on the same stream: the chain's NACK
// generator already requests every gap it sees in ReceiveRTP, so either
// set Config.DisableNACK and let the chain do it, or turn the chain's
// generator off and send a Generic NACK for each EventNACK. Hand every
// EventKeyframeRequest to Chain.RequestKeyframe(now, ssrc), which throttles
// and chooses PLI or FIR.
//
// Memory is bounded: Config.MaxPackets payloads of at most
// Config.MaxPacketSize bytes, one frame of at most Config.MaxFrameSize, and
// Config.MaxEvents events (MemoryUsage counts it all, overhead included).
// Once the buffers have grown, pushing and popping allocates nothing.
//
// # Files
//
// Readers read from an io.Reader into the caller's buffer: each Read
// method appends the next frame to dst[:0] and returns it, so reusing the
// returned slice makes reading allocation-free. Every size a file claims
// is checked against a limit before anything is allocated (ErrTooLarge),
// and a buffer never grows by more than 1 MiB ahead of the bytes that
// fill it. Writers write to an io.Writer and allocate nothing per frame;
// the IVF and WAV writers fill in their headers' counts on Close when the
// destination is an io.WriteSeeker.
//
//   - IVF (VP8, VP9, AV1): IVFReader, IVFWriter.
//   - Ogg (RFC 3533: pages, lacing, CRC, packets split across pages):
//     OggReader, OggWriter; Ogg Opus (RFC 7845: OpusHead, OpusTags, granule
//     positions from each packet's TOC, RFC 6716 §3.1): OpusReader,
//     OpusWriter.
//   - H.264 and H.265 Annex B byte streams (start codes, NAL units, access
//     units): AnnexBReader, AnnexBWriter.
//   - AV1 low-overhead bitstream (OBUs with size fields, temporal units):
//     OBUReader, OBUWriter.
//   - WAV for G.711 (µ-law, A-law) and L16: WAVWriter.
//
// Frames out of the JitterBuffer are in the formats these writers take:
// VP8/VP9 frames for IVF, Annex B access units for AnnexBWriter, AV1
// temporal units without their temporal delimiter for OBUWriter (it adds
// one) or IVF, Opus packets for OpusWriter, G.711 bytes for WAVWriter.
//
// # Known limitations
//
//   - One stream per JitterBuffer; it does not follow RTX (RFC 4588) by
//     itself: unwrap retransmissions (rtp.UnwrapRTX) before HandlePacket.
//   - The playout base is the fastest transit seen; it only moves on a
//     jump of more than MaxLatency+MaxDelay, so a sender clock drifting
//     slower than ours slowly adds delay (no drift estimation).
//   - The keyframe rule is per stream: VP9 and AV1 scalability (dropping
//     only the layers that depend on a lost one) is not modelled; any loss
//     waits for a keyframe.
//   - By default NACKs go out as soon as a gap is seen, so reordering
//     causes spurious requests (harmless duplicates, counted as
//     discarded); Config.NACKDelay trades repair time for fewer of them.
//   - Readers handle one logical stream: an Ogg file's other streams are
//     skipped, IVF and OBU files hold one stream by definition.
package media
