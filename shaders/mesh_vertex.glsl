// Spacecraft mesh vertex shader (flat-shaded parts with vertex colours).
// Attributes: a_position (km, spacecraft frame), a_normal, a_color.
// Uniforms: u_model (mat4, spacecraft frame -> world), u_rotation (mat3), u_view, u_projection.
attribute vec3 a_position;
attribute vec3 a_normal;
attribute vec3 a_color;
uniform mat4 u_model;
uniform mat3 u_rotation;
uniform mat4 u_view;
uniform mat4 u_projection;
varying vec3 v_world;
varying vec3 v_normal;
varying vec3 v_color;
varying float v_depth;

void main() {
    vec4 world = u_model * vec4(a_position, 1.0);
    v_world = world.xyz;
    v_normal = u_rotation * a_normal;
    v_color = a_color;
    vec4 eye = u_view * world;
    v_depth = -eye.z;
    gl_Position = u_projection * eye;
}
