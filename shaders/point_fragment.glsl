// Round, soft-edged point sprites; needs logdepth.glsl before it.
varying vec4 v_color;
varying float v_depth;

void main() {
    vec2 d = gl_PointCoord - vec2(0.5);
    float r = length(d) * 2.0;
    if (r > 1.0) discard;
    gl_FragColor = vec4(v_color.rgb, v_color.a * (1.0 - smoothstep(0.5, 1.0, r)));
    gl_FragDepth = min(log_depth(v_depth), 1.0);
}
