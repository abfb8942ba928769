// Package peers starts and drives the real peers of the interop tests and
// commands in tools: headless Chromium, coturn, and the loopback sockets
// our sans-I/O machines run on. It holds what every harness needs once:
//
//   - Require: skip when a peer's binary is missing, fail instead when
//     SANSRTC_REQUIRE_INTEROP=1;
//   - StartChromium / ChromiumFlags / ServePage / Eval: Chromium with
//     exactly the flags of shared/BROWSERS.md, a fresh profile removed on
//     Close, driven over the DevTools protocol with chromedp;
//   - StartCoturn: turnserver on 127.0.0.1, on a free port, with the
//     BROWSERS.md flags, ready when it returns;
//   - Runner: drives shared.Wire machines over loopback UDP sockets and
//     TCP connections, refusing to send anywhere off loopback;
//   - ListenUDP, FreePort, LoopbackOnly, CandidateAddr, BindingSuccess:
//     loopback sockets, candidate filtering and an ICE-lite responder.
//
// Everything here stays on 127.0.0.0/8 or ::1 (BROWSERS.md).
package peers
