// Full-window quad that shows a finished frame (an anti-aliased one resolved offscreen).
// Attribute: a_position (clip-space corner, -1..1).
attribute vec2 a_position;
varying vec2 v_texcoord;

void main() {
    v_texcoord = a_position * 0.5 + 0.5;
    gl_Position = vec4(a_position, 0.0, 1.0);
}
