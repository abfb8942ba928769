module github.com/sansrtc/rtc/rtc-media

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	github.com/sansrtc/rtc/rtc-rtp v0.1.0
	github.com/sansrtc/rtc/rtc-shared v0.1.0
)

replace (
	github.com/sansrtc/rtc/rtc-rtp => ../rtc-rtp
	github.com/sansrtc/rtc/rtc-shared => ../rtc-shared
)
