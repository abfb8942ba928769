// Package congestion checks Chromium against the sansrtc congestion control
// and loss recovery (issue 14): headless Chromium sends its fake camera to
// the reflect peer (rtc/driver/echo with Media, the peer of
// rtc/examples/reflect) through a Relay on 127.0.0.1 that drops a seeded
// fraction of the media packets and rate-limits one direction like a
// bottleneck link (a token bucket draining a bounded queue). The tests read
// Chromium's getStats (outbound-rtp, candidate-pair, inbound-rtp of the
// reflected track) to see that
//
//   - with a rate limit on the browser-to-peer direction, Chromium's send
//     rate follows our transport-cc feedback and settles under the limit
//     (TestChromiumFollowsTransportCC), and
//   - with induced loss, Chromium answers our NACKs with RTX
//     retransmissions and the reflected video keeps decoding
//     (TestChromiumAnswersNACK).
//
// The relay needs no driver change: the candidates in the SDP each side
// receives are rewritten to the relay's two sockets, so each side sees only
// the relay. Everything stays on 127.0.0.1. The tests skip when Chromium is
// missing unless SANSRTC_REQUIRE_INTEROP=1.
package congestion
