// Command custom-abr shows how to plug your own bitrate-adaptation
// algorithm into abrkit: define a type with Decide, register it by name
// with its parameters, build it from a spec string such as
// "safe-rate:share=0.6" with abr.New, and drive it. A scripted loop over
// a fixed throughput series stands in for the player and prints each
// decision with its reason; the same algorithm runs unchanged in the
// player, the simulator and the load tests.
//
// It depends on the abr package only (the interface a user implements);
// it must not depend on player, sim or any internal package, so that it
// stays a program users can copy.
package main
