module github.com/sansrtc/rtc/rtc-turn

go 1.26.0

require (
	github.com/sansrtc/rtc/rtc-shared v0.1.0
	github.com/sansrtc/rtc/rtc-stun v0.1.0
)

require golang.org/x/text v0.43.0

replace (
	github.com/sansrtc/rtc/rtc-shared => ../rtc-shared
	github.com/sansrtc/rtc/rtc-stun => ../rtc-stun
)
