// Spacecraft mesh fragment shader: two-sided Lambert, in Jupiter's shadow when it is.
// Needs logdepth.glsl and shadow.glsl before it. Uniforms: u_sun_dir, u_night.
uniform vec3 u_sun_dir;
uniform float u_night;
varying vec3 v_world;
varying vec3 v_normal;
varying vec3 v_color;
varying float v_depth;

void main() {
    float lit = abs(dot(normalize(v_normal), u_sun_dir)) * sun_visible(v_world, u_sun_dir);
    gl_FragColor = vec4(v_color * (0.15 + 0.85 * lit + u_night), 1.0);
    gl_FragDepth = log_depth(v_depth);
}
