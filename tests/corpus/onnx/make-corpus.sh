#!/usr/bin/env bash
# Regenerates this folder's bad .onnx files from good.txtpb (text-format onnx.ModelProto), each a small edit of it,
# so every case is one readable difference from a valid model. Needs protoc (in ./dsx's package list).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
proto_dir="$here/../../../Model/Onnx"
encode() { protoc --encode=onnx.ModelProto -I "$proto_dir" "$proto_dir/onnx.proto" >"$here/$1.onnx"; }
variant() { local name=$1; shift; sed "$@" "$here/good.txtpb" | encode "$name"; }

encode good <"$here/good.txtpb"
: >"$here/empty.onnx"
printf 'This is a text file, not an ONNX model.\n' >"$here/not_protobuf.onnx"
head -c 70 "$here/good.onnx" >"$here/truncated.onnx"
printf 'ir_version: 8\nopset_import { domain: "" version: 13 }\n' | encode no_graph
variant opset_too_new -e 's/version: 13/version: 21/'
variant opset_too_old -e 's/version: 13/version: 7/'
variant no_opset -e '/^opset_import/d'
variant unsupported_op -e 's/op_type: "Relu"/op_type: "LSTM"/'
variant missing_initializer -e 's/"input", "w"/"input", "w_not_saved"/'
variant wrong_channels -e 's/dims: 3 dims: 2 dims: 1/dims: 2 dims: 3 dims: 1/'
variant initializer_size -e 's/float_data: \[1, 2, 3, 4, 5, 6\]/float_data: [1, 2, 3]/'
variant zero_dim -e '0,/dim_value: 4/s//dim_value: 0/'
variant negative_dim -e '0,/dim_value: 4/s//dim_value: -4/'
variant dynamic_dim -e '0,/dim_value: 1 /s//dim_param: "N" /'
variant huge_dims -e 's/dim_value: 4/dim_value: 1000000/g'
variant overflow_dims -e 's/dim_value: 4/dim_value: 4611686018427387904/g'
variant undefined_value -e 's/input: "c"/input: "nowhere"/'
variant int64_input -e '0,/elem_type: 1/s//elem_type: 7/'
rm "$here/good.onnx"
