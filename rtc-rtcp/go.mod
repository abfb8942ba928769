module github.com/sansrtc/rtc/rtc-rtcp

go 1.26

require (
	github.com/sansrtc/rtc/rtc-shared v0.1.0
)

replace (
	github.com/sansrtc/rtc/rtc-shared => ../rtc-shared
)
