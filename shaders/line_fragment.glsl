// Polyline fragment shader; needs logdepth.glsl before it.
varying vec4 v_color;
varying float v_depth;

void main() {
    gl_FragColor = v_color;
    gl_FragDepth = log_depth(v_depth);
}
