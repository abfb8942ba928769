module github.com/sansrtc/rtc/rtc

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/sansrtc/rtc/rtc-datachannel v0.1.0
	github.com/sansrtc/rtc/rtc-dtls v0.1.0
	github.com/sansrtc/rtc/rtc-ice v0.1.0
	github.com/sansrtc/rtc/rtc-interceptor v0.1.0
	github.com/sansrtc/rtc/rtc-media v0.1.0
	github.com/sansrtc/rtc/rtc-rtcp v0.1.0 // indirect
	github.com/sansrtc/rtc/rtc-rtp v0.1.0
	github.com/sansrtc/rtc/rtc-sctp v0.1.0
	github.com/sansrtc/rtc/rtc-shared v0.1.0
	github.com/sansrtc/rtc/rtc-srtp v0.1.0
)

require (
	github.com/sansrtc/rtc/rtc-sdp v0.1.0
	github.com/sansrtc/rtc/rtc-stun v0.1.0
	github.com/sansrtc/rtc/rtc-turn v0.1.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace (
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
