//go:build tools

// This file pins the test-only peers that tools/ runs against, so that every
// interop test and comparative benchmark builds against one set of versions.
// Pion is a test peer, never a source. Versions: see BROWSERS.md (Pion v4.2.20
// and its dependency set).
package tools

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/pion/datachannel"
	_ "github.com/pion/dtls/v3"
	_ "github.com/pion/ice/v4"
	_ "github.com/pion/rtcp"
	_ "github.com/pion/rtp"
	_ "github.com/pion/sctp"
	_ "github.com/pion/sdp/v3"
	_ "github.com/pion/srtp/v3"
	_ "github.com/pion/stun/v4"
	_ "github.com/pion/transport/v4"
	_ "github.com/pion/turn/v5"
	_ "github.com/pion/webrtc/v4"
	_ "golang.org/x/net/ipv4"
)
