module github.com/sansrtc/rtc/rtc-stun

go 1.26.0

require github.com/sansrtc/rtc/rtc-shared v0.1.0

replace github.com/sansrtc/rtc/rtc-shared => ../rtc-shared
