// Polyline vertex shader (trajectory, orbits). Attributes: a_position (world km), a_color (rgba).
// Uniforms: u_view, u_projection.
attribute vec3 a_position;
attribute vec4 a_color;
uniform mat4 u_view;
uniform mat4 u_projection;
varying vec4 v_color;
varying float v_depth;

void main() {
    vec4 eye = u_view * vec4(a_position, 1.0);
    v_depth = -eye.z;
    v_color = a_color;
    gl_Position = u_projection * eye;
}
