// Command custom-abr shows how to plug your own bitrate-adaptation
// algorithm into abrkit: define a type with Decide, register it by name
// with its parameters, build it from a spec string such as
// "safe-rate:share=0.6" with abr.New, and drive it. First a scripted
// loop over a fixed throughput series stands in for the player and
// prints each decision with its reason; then the same algorithm plays a
// real stream: the built-in origin's synthetic DASH presentation, served
// over loopback HTTP and fetched by the player's real driver. The same
// algorithm runs unchanged in the simulator and the load tests.
//
// The algorithm itself depends on the abr package only (the interface a
// user implements); the program adds player and origin to play the
// stream. It must not depend on sim, load, cmd or any internal package,
// so that it stays a program users can copy.
package main
