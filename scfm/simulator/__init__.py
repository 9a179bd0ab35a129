"""A local stand-in for Twilio/Somleng: accepts calls, plays them over HTTP, records everything."""
