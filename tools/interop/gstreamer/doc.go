// Package gstinterop checks rtc-media's file readers and writers, and its
// jitter buffer, against GStreamer (Debian's gstreamer1.0-tools with the
// good, bad and libav plugins), a media framework nobody here wrote:
//
//   - GStreamer encodes reference streams (VP8 and VP9 in IVF with
//     avmux_ivf, AV1 as a low-overhead OBU stream from av1parse, Opus in
//     Ogg with oggmux, H.264 and H.265 Annex B from openh264enc/h264parse
//     and x265enc/h265parse) while a tee feeds the same buffers to a
//     fakesink that prints their sizes and timestamps. Our readers must find
//     the same frames, sizes and timestamps.
//   - Files we write (IVF, Ogg Opus, Annex B, OBU, WAV) decode with
//     GStreamer's decoders (vp8dec, vp9dec, av1dec, avdec_h264, avdec_h265,
//     opusdec, mulawdec): every frame comes out, with the expected caps and
//     duration.
//   - The same frames, packetized by rtc-rtp and passed through the jitter
//     buffer with reordering, are written by us and decoded by GStreamer.
//
// Nothing touches the network. The tests skip when gst-launch-1.0 is
// missing, unless SANSRTC_REQUIRE_INTEROP=1, in which case they fail.
// (gst-discoverer-1.0 lives in gstreamer1.0-plugins-base-apps, which the
// CI does not install; fakesink's buffer log gives the same facts.)
//
//	go test ./tools/interop/gstreamer
package gstinterop
