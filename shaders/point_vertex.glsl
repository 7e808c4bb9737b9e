// Point sprites. Stars (u_infinite = 1): a_position is a J2000 unit direction drawn at infinity.
// Markers (u_infinite = 0): a_position is a world position (km).
// Attributes: a_position, a_color (rgba), a_size (pixels). Uniforms: u_view, u_projection, u_infinite.
attribute vec3 a_position;
attribute vec4 a_color;
attribute float a_size;
uniform mat4 u_view;
uniform mat4 u_projection;
uniform float u_infinite;
varying vec4 v_color;
varying float v_depth;

void main() {
    vec4 eye = u_view * vec4(a_position, 1.0 - u_infinite);
    v_color = a_color;
    v_depth = u_infinite > 0.5 ? 1e30 : -eye.z;
    gl_Position = u_projection * eye;
    if (u_infinite > 0.5) gl_Position.z = gl_Position.w * 0.999999;
    gl_PointSize = a_size;
}
