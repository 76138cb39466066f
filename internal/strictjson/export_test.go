package strictjson

// DecodeTwoPass is the two-pass decoder that Decode replaced, for the
// external benchmarks that compare the two on real document types.
var DecodeTwoPass = decodeTwoPass
