// Body (ellipsoid) vertex shader.
// Attributes: a_position (km, body-fixed), a_normal (body-fixed), a_texcoord (map u, v).
// Uniforms: u_model (mat4, body-fixed -> world relative to the floating origin), u_rotation
// (mat3, body-fixed -> world), u_view, u_projection (mat4), u_eye (world), u_inflate (the mesh's
// scale at its outline: 1, or larger by the facets' sag and a pixel where body_fragment.glsl
// anti-aliases the limb itself and needs fragments just outside it). Only vertices seen edge-on
// are moved out, by (1 - cos)^4 of their angle to the eye, so that the surface seen face-on stays
// where it is: the map's features keep their places and a camera just above the ground does not
// find the mesh moved toward it.
// World coordinates are J2000 kilometres relative to the camera's focus (floating origin).
attribute vec3 a_position;
attribute vec3 a_normal;
attribute vec2 a_texcoord;
uniform mat4 u_model;
uniform mat3 u_rotation;
uniform mat4 u_view;
uniform mat4 u_projection;
uniform float u_inflate;
uniform vec3 u_eye;
varying vec3 v_world;
varying vec3 v_normal;
varying vec2 v_texcoord;
varying float v_depth;

void main() {
    v_normal = u_rotation * a_normal;
    vec3 surface = (u_model * vec4(a_position, 1.0)).xyz;
    float edge_on = 1.0 - clamp(dot(v_normal, normalize(u_eye - surface)), 0.0, 1.0);
    edge_on *= edge_on;
    vec4 world = u_model * vec4(a_position * (1.0 + (u_inflate - 1.0) * edge_on * edge_on), 1.0);
    v_world = world.xyz;
    v_texcoord = a_texcoord;
    vec4 eye = u_view * world;
    v_depth = -eye.z;
    gl_Position = u_projection * eye;
}
