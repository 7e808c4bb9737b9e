// Point sprites. Stars (u_infinite = 1): a_position is a J2000 unit direction drawn at infinity.
// Markers (u_infinite = 0): a_position is a world position (km).
// Attributes: a_position, a_color (rgba), a_size (pixels). Uniforms: u_view, u_projection, u_infinite,
// u_size_scale (stars: their sprites scaled with the frame's pixels per radian, so that a small
// frame shows the sky as a large one shrunk; below 1.5 px a sprite keeps that size and fades by
// the area it lost instead, keeping each star's share of the light).
attribute vec3 a_position;
attribute vec4 a_color;
attribute float a_size;
uniform mat4 u_view;
uniform mat4 u_projection;
uniform float u_infinite;
uniform float u_size_scale;
varying vec4 v_color;
varying float v_depth;

void main() {
    vec4 eye = u_view * vec4(a_position, 1.0 - u_infinite);
    float size = a_size * (u_infinite > 0.5 ? u_size_scale : 1.0);
    float shown = max(size, 1.5);
    v_color = vec4(a_color.rgb, a_color.a * (size / shown) * (size / shown));
    v_depth = u_infinite > 0.5 ? 1e30 : -eye.z;
    gl_Position = u_projection * eye;
    if (u_infinite > 0.5) gl_Position.z = gl_Position.w * 0.999999;
    gl_PointSize = shown;
}
