module github.com/sansrtc/rtc/tools

go 1.26.0

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/google/go-cmp v0.7.0
	github.com/pion/datachannel v1.6.2
	github.com/pion/dtls/v3 v3.1.8
	github.com/pion/ice/v4 v4.4.2
	github.com/pion/rtcp v1.2.17
	github.com/pion/rtp v1.10.5
	github.com/pion/sctp v1.11.1
	github.com/pion/sdp/v3 v3.0.19
	github.com/pion/srtp/v3 v3.0.13
	github.com/pion/stun/v4 v4.0.0
	github.com/pion/transport/v4 v4.1.0
	github.com/pion/turn/v5 v5.1.0
	github.com/pion/webrtc/v4 v4.2.20
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4
	golang.org/x/mod v0.43.0
	golang.org/x/net v0.62.0
)

require (
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/tools v0.52.1-0.20261106145633-d407941a339a // indirect
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/pion/interceptor v0.1.48
	github.com/pion/logging v0.2.4
	github.com/pion/mdns/v2 v2.2.0 // indirect
	github.com/pion/randutil v0.1.0 // indirect
	github.com/sansrtc/rtc/rtc v0.0.0
	github.com/sansrtc/rtc/rtc-datachannel v0.1.0
	github.com/sansrtc/rtc/rtc-dtls v0.1.0
	github.com/sansrtc/rtc/rtc-ice v0.1.0
	github.com/sansrtc/rtc/rtc-interceptor v0.1.0
	github.com/sansrtc/rtc/rtc-media v0.1.0
	github.com/sansrtc/rtc/rtc-rtcp v0.1.0
	github.com/sansrtc/rtc/rtc-rtp v0.1.0
	github.com/sansrtc/rtc/rtc-sctp v0.1.0
	github.com/sansrtc/rtc/rtc-sdp v0.1.0
	github.com/sansrtc/rtc/rtc-shared v0.1.0
	github.com/sansrtc/rtc/rtc-srtp v0.1.0
	github.com/sansrtc/rtc/rtc-stun v0.1.0
	github.com/sansrtc/rtc/rtc-turn v0.1.0
	github.com/wlynxg/anet v0.0.5 // indirect
	golang.org/x/crypto v0.58.0
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/time v0.14.0 // indirect
)

replace (
	github.com/sansrtc/rtc/rtc => ../rtc
	github.com/sansrtc/rtc/rtc-datachannel => ../rtc-datachannel
	github.com/sansrtc/rtc/rtc-dtls => ../rtc-dtls
	github.com/sansrtc/rtc/rtc-ice => ../rtc-ice
	github.com/sansrtc/rtc/rtc-interceptor => ../rtc-interceptor
	github.com/sansrtc/rtc/rtc-media => ../rtc-media
	github.com/sansrtc/rtc/rtc-rtcp => ../rtc-rtcp
	github.com/sansrtc/rtc/rtc-rtp => ../rtc-rtp
	github.com/sansrtc/rtc/rtc-sctp => ../rtc-sctp
	github.com/sansrtc/rtc/rtc-sdp => ../rtc-sdp
	github.com/sansrtc/rtc/rtc-shared => ../rtc-shared
	github.com/sansrtc/rtc/rtc-srtp => ../rtc-srtp
	github.com/sansrtc/rtc/rtc-stun => ../rtc-stun
	github.com/sansrtc/rtc/rtc-turn => ../rtc-turn
)
