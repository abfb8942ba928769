// Package srtpinterop checks rtc-srtp against Pion's SRTP implementation
// (github.com/pion/srtp/v3, pinned in tools/go.mod): packets protected by
// one are unprotected by the other, in both directions, for every profile
// both implement, RTP and RTCP, across a rollover of the sequence number,
// keyed from the same DTLS-SRTP exported material. It runs in-process (no
// sockets): SRTP interop is a pure byte-format question.
package srtpinterop
